using PolicyTracker.Web;

// The dashboard: server-rendered pages over the public HTTP API, signed in with an API key.
var builder = WebApplication.CreateBuilder(args);
builder.AddWeb();

var app = builder.Build();
app.MapWeb();
app.Run();
