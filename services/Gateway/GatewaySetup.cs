using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Gateway;

public static class GatewaySetup
{
    /// <summary>
    /// Telemetry, problem+json errors, health and the reverse proxy; no API keys or body guard: each
    /// service checks its own requests, the gateway only routes them.
    /// </summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.AddTelemetry();
        builder.AddProblemResponses();
        builder.Services.AddHealthChecks();
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy")).FlushEventStreamHeaders();
        return builder;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseProblemResponses();
        app.UseRequestRules();
        app.MapHealth();
        app.MapApiReference();
        app.MapReverseProxy();
        return app;
    }
}
