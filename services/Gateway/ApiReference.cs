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
        // Every other path belongs to the dashboard (the "web" catch-all route in appsettings.json);
        // these prefixes stay the API's, so an unknown API path is a problem+json 404, never a web page.
        foreach (var prefix in new[] { "/api", "/openapi", "/health" })
        {
            app.Map(prefix + "/{**rest}", (HttpContext http) => Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Not Found",
                detail: $"There is no API route at {http.Request.Path}.")).ExcludeFromDescription();
        }
        return app;
    }
}
