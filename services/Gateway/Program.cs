using PolicyTracker.Gateway;
using PolicyTracker.ServiceDefaults;

// The one public origin: routes each API path to its service, and serves the API reference.
var builder = WebApplication.CreateBuilder(args);
builder.AddTelemetry();
builder.AddProblemResponses();
builder.Services.AddHealthChecks();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy")).FlushEventStreamHeaders();

var app = builder.Build();
app.UseProblemResponses();
app.UseRequestRules();
app.MapHealth();
app.MapApiReference();
app.MapReverseProxy();
app.Run();
