using PolicyTracker.Gateway;

// The one public origin: routes each API path to its service, and serves the API reference.
var builder = WebApplication.CreateBuilder(args);
builder.AddGateway();

var app = builder.Build();
app.MapGateway();
app.Run();
