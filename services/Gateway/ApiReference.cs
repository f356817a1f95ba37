using Scalar.AspNetCore;

namespace PolicyTracker.Gateway;

public static class ApiReference
{
    /// <summary>
    /// Scalar at /scalar over the three services' OpenAPI documents, which the proxy serves at
    /// /openapi/{service}.json (each service publishes its own at /openapi/v1.json).
    /// </summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapScalarApiReference("/scalar", options => options
            .WithTitle("PolicyTracker API")
            .AddDocument("tracker", "Tracker", "/openapi/tracker.json")
            .AddDocument("ingestion", "Ingestion", "/openapi/ingestion.json")
            .AddDocument("notifications", "Notifications", "/openapi/notifications.json"));
        app.MapGet("/", () => Results.Redirect("/scalar")).ExcludeFromDescription();
        return app;
    }
}
