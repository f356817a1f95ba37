using PolicyTracker.Web.Signing;

namespace PolicyTracker.Web.Live;

public static class LiveAlerts
{
    public const string StreamClient = "notifications-stream";

    /// <summary>
    /// The subscriber's alert stream, relayed from the Notifications feed with the key from the cookie:
    /// the browser's EventSource talks only to the dashboard and never sees the key.
    /// </summary>
    public static WebApplication MapLiveAlerts(this WebApplication app)
    {
        app.MapGet("/live/alerts", async (HttpContext http, IHttpClientFactory factory) =>
        {
            var client = factory.CreateClient(StreamClient);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/feed/stream");
            request.Headers.Add("X-Api-Key", http.User.ApiKey());
            if (http.Request.Headers.TryGetValue("Last-Event-ID", out var last))
            {
                request.Headers.Add("Last-Event-ID", last.ToString());
            }
            HttpResponseMessage upstream;
            try
            {
                upstream = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
            }
            catch (HttpRequestException)
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            using (upstream)
            {
                http.Response.StatusCode = (int)upstream.StatusCode;
                http.Response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache,no-store";
                http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
                // Headers and a comment line out at once: EventSource opens on them, and a proxy in front
                // (the gateway) forwards headers only with the first bytes of the body.
                await http.Response.StartAsync(http.RequestAborted);
                await http.Response.Body.WriteAsync(": connected\n\n"u8.ToArray(), http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
                try
                {
                    await using var body = await upstream.Content.ReadAsStreamAsync(http.RequestAborted);
                    var buffer = new byte[8192];
                    int read;
                    while ((read = await body.ReadAsync(buffer, http.RequestAborted)) > 0)
                    {
                        await http.Response.Body.WriteAsync(buffer.AsMemory(0, read), http.RequestAborted);
                        await http.Response.Body.FlushAsync(http.RequestAborted);
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
                {
                    // The browser went away or the feed closed; EventSource reconnects with Last-Event-ID.
                }
            }
        }).RequireAuthorization(p => p.RequireRole(UserClaims.Subscriber, UserClaims.Admin));
        return app;
    }
}
