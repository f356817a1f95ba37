using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using PolicyTracker.ServiceDefaults.Authentication;

namespace PolicyTracker.Notifications.Feed;

/// <summary>The live feed's settings, bound from Feed.</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>How long a quiet stream waits before a heartbeat comment, so idle timeouts never cut it.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}

public static class FeedEndpoints
{
    private static readonly TimeSpan StreamPollInterval = TimeSpan.FromMilliseconds(250);

    public static IEndpointRouteBuilder MapFeed(this IEndpointRouteBuilder app)
    {
        var feed = app.MapGroup("/api/feed").RequireAuthorization(Policies.Subscriber).WithTags("Feed");
        feed.MapGet("", List)
            .WithSummary("My feed")
            .WithDescription("The caller's latest in-app alerts, newest first; limit 1 to 1000 (100).");
        feed.MapGet("stream", Stream)
            .WithSummary("My feed as server-sent events")
            .WithDescription("Alerts as they are raised, the feed sequence as event id; Last-Event-ID (or lastEventId) resumes after the one a client last saw.")
            .Produces<FeedAlertResponse>(StatusCodes.Status200OK, "text/event-stream");
        return app;
    }

    public static async Task<Ok<List<FeedAlertResponse>>> List(HttpContext http, IQuerySession session, int? limit, CancellationToken cancellationToken)
    {
        var stream = FeedStreams.For(http.User.PrincipalName());
        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == stream)
            .OrderByDescending(e => e.Sequence)
            .Take(take)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(events.Where(e => e.Data is FeedAlertRaised)
            .Select(e => FeedAlertResponse.From(e.Sequence, (FeedAlertRaised)e.Data)).ToList());
    }

    /// <summary>
    /// Live alerts as server-sent events; the event id is the feed sequence, so a client that
    /// reconnects with Last-Event-ID gets what it missed first. A connection without one starts at
    /// the moment the request arrived. A comment goes out at once, so the client (and any proxy in
    /// between, which holds headers until the first body bytes) knows the stream is live, and another
    /// every <c>Feed:HeartbeatInterval</c> (15 s) while no alert does, so idle timeouts never cut it.
    /// </summary>
    public static async Task Stream(HttpContext http, IDocumentStore store, IOptions<JsonOptions> json, IOptions<FeedOptions> feedOptions, CancellationToken cancellationToken)
    {
        var owner = http.User.PrincipalName();
        var header = http.Request.Headers["Last-Event-ID"].ToString();
        if (string.IsNullOrEmpty(header))
        {
            header = http.Request.Query["lastEventId"].ToString();
        }
        var stream = FeedStreams.For(owner);
        long after;
        if (long.TryParse(header, out var parsed))
        {
            after = parsed;
        }
        else
        {
            await using var session = store.QuerySession();
            var latest = await session.Events.QueryAllRawEvents().Where(e => e.StreamId == stream)
                .OrderByDescending(e => e.Sequence).Take(1).ToListAsync(cancellationToken);
            after = latest.Count > 0 ? latest[0].Sequence : 0;
        }

        var heartbeat = feedOptions.Value.HeartbeatInterval;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache,no-store";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = http.Response.Body;
        var options = json.Value.SerializerOptions;
        try
        {
            await body.WriteAsync(": connected\n\n"u8.ToArray(), cancellationToken);
            await body.FlushAsync(cancellationToken);
            var quietSince = DateTimeOffset.UtcNow;
            var last = after;
            while (!cancellationToken.IsCancellationRequested)
            {
                var alerts = await AlertsAfterAsync(store, stream, last, cancellationToken);
                foreach (var (sequence, alert) in alerts)
                {
                    last = sequence;
                    if (alert is not null)
                    {
                        // Compact JSON has no raw line breaks, so one data line carries the whole alert.
                        var data = JsonSerializer.Serialize(alert, options);
                        await body.WriteAsync(Encoding.UTF8.GetBytes($"id: {sequence}\nevent: alert\ndata: {data}\n\n"), cancellationToken);
                    }
                }
                if (alerts.Any(a => a.Alert is not null))
                {
                    await body.FlushAsync(cancellationToken);
                    quietSince = DateTimeOffset.UtcNow;
                }
                else if (DateTimeOffset.UtcNow - quietSince >= heartbeat)
                {
                    await body.WriteAsync(": heartbeat\n\n"u8.ToArray(), cancellationToken);
                    await body.FlushAsync(cancellationToken);
                    quietSince = DateTimeOffset.UtcNow;
                }
                if (alerts.Count == 0)
                {
                    await Task.Delay(StreamPollInterval, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary>The next page of the owner's feed after a sequence; entries that are not alerts come with a null alert, to move past them.</summary>
    private static async Task<IReadOnlyList<(long Sequence, FeedAlertResponse? Alert)>> AlertsAfterAsync(
        IDocumentStore store, Guid stream, long after, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == stream && e.Sequence > after)
            .OrderBy(e => e.Sequence)
            .Take(500)
            .ToListAsync(cancellationToken);
        return [.. events.Select(e => (e.Sequence, e.Data is FeedAlertRaised alert ? FeedAlertResponse.From(e.Sequence, alert) : null))];
    }
}
