using PolicyTracker.Web.Api;
using PolicyTracker.Web.Signing;

namespace PolicyTracker.Web.Auditing;

public static class AuditDownloads
{
    /// <summary>The history as a file, fetched with the auditor's key: the browser never holds the key itself.</summary>
    public static WebApplication MapAuditDownloads(this WebApplication app)
    {
        app.MapGet("/predictions/{id}/audit/history.{format:regex(^(json|csv)$)}", async (string id, string format, TrackerApi tracker, HttpContext http) =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/api/predictions/{Uri.EscapeDataString(id)}/history");
            request.Headers.Accept.ParseAdd(format == "csv" ? "text/csv" : "application/json");
            try
            {
                using var response = await tracker.Http.SendAsync(request, http.RequestAborted);
                if (!response.IsSuccessStatusCode)
                {
                    return Results.Problem(statusCode: (int)response.StatusCode, title: "The history could not be downloaded.");
                }
                var bytes = await response.Content.ReadAsByteArrayAsync(http.RequestAborted);
                return Results.File(bytes, format == "csv" ? "text/csv" : "application/json", $"{id}-history.{format}");
            }
            catch (HttpRequestException)
            {
                return Results.Problem(statusCode: 503, title: "The Tracker service is unavailable right now.");
            }
        }).RequireAuthorization(p => p.RequireRole(UserClaims.Auditor, UserClaims.Admin));
        return app;
    }
}
