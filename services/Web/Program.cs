using PolicyTracker.ServiceDefaults;
using PolicyTracker.Web.Api;
using PolicyTracker.Web.Auditing;
using PolicyTracker.Web.Components;
using PolicyTracker.Web.Live;
using PolicyTracker.Web.Signing;

// The dashboard: server-rendered pages over the public HTTP API, signed in with an API key.
var builder = WebApplication.CreateBuilder(args);
builder.AddTelemetry();
builder.AddHealth();
builder.AddPolicyTrackerApi();
builder.AddSigning();
builder.Services.AddRazorComponents();

var app = builder.Build();
app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseStatusCodePagesWithReExecute("/not-found");
app.MapHealth();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapSignOut();
app.MapLiveAlerts();
app.MapAuditDownloads();
app.MapRazorComponents<App>();
app.Run();
