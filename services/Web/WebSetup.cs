using PolicyTracker.ServiceDefaults;
using PolicyTracker.Web.Api;
using PolicyTracker.Web.Auditing;
using PolicyTracker.Web.Components;
using PolicyTracker.Web.Live;
using PolicyTracker.Web.Signing;

namespace PolicyTracker.Web;

public static class WebSetup
{
    /// <summary>Everything the dashboard registers: telemetry, health, the API clients, sign-in, the pages.</summary>
    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        builder.AddTelemetry();
        builder.AddHealth();
        builder.AddPolicyTrackerApi();
        builder.AddSigning();
        builder.Services.AddRazorComponents();
        return builder;
    }

    /// <summary>Error pages first, then sign-in, then each feature's routes and the pages.</summary>
    public static WebApplication MapWeb(this WebApplication app)
    {
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
        return app;
    }
}
