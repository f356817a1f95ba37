using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using PolicyTracker.ServiceDefaults.Authentication;

namespace PolicyTracker.Notifications.Feed;

public static class FeedEndpoints
{
    private static readonly TimeSpan StreamPollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<IResult> List(HttpContext http, IQuerySession session, int? limit, CancellationToken cancellationToken)
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
    /// the moment the request arrived, and the headers go out at once so the client knows it is live.
    /// </summary>
    public static async Task Stream(HttpContext http, IDocumentStore store, IOptions<JsonOptions> json, CancellationToken cancellationToken)
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

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache,no-store";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await http.Response.StartAsync(cancellationToken);
        await http.Response.Body.FlushAsync(cancellationToken);
        var options = json.Value.SerializerOptions;
        try
        {
            await SseFormatter.WriteAsync(Alerts(store, stream, after, cancellationToken), http.Response.Body,
                (item, buffer) =>
                {
                    using var writer = new Utf8JsonWriter(buffer);
                    JsonSerializer.Serialize(writer, item.Data, options);
                },
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static async IAsyncEnumerable<SseItem<FeedAlertResponse>> Alerts(
        IDocumentStore store, Guid stream, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = after;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<JasperFx.Events.IEvent> events;
            await using (var session = store.QuerySession())
            {
                events = await session.Events.QueryAllRawEvents()
                    .Where(e => e.StreamId == stream && e.Sequence > last)
                    .OrderBy(e => e.Sequence)
                    .Take(500)
                    .ToListAsync(cancellationToken);
            }
            foreach (var e in events)
            {
                last = e.Sequence;
                if (e.Data is FeedAlertRaised alert)
                {
                    yield return new SseItem<FeedAlertResponse>(FeedAlertResponse.From(e.Sequence, alert), "alert") { EventId = e.Sequence.ToString() };
                }
            }
            if (events.Count == 0)
            {
                try
                {
                    await Task.Delay(StreamPollInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }
}
