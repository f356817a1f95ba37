using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Marten;
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
    /// reconnects with Last-Event-ID gets what it missed first.
    /// </summary>
    public static IResult Stream(HttpContext http, IDocumentStore store, CancellationToken cancellationToken)
    {
        var owner = http.User.PrincipalName();
        var header = http.Request.Headers["Last-Event-ID"].ToString();
        if (string.IsNullOrEmpty(header))
        {
            header = http.Request.Query["lastEventId"].ToString();
        }
        long? after = long.TryParse(header, out var parsed) ? parsed : null;
        return TypedResults.ServerSentEvents(Alerts(store, owner, after, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<FeedAlertResponse>> Alerts(
        IDocumentStore store, string owner, long? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = FeedStreams.For(owner);
        if (after is null)
        {
            // A fresh connection starts from now: only alerts raised after it arrive.
            await using var first = store.QuerySession();
            after = await first.Events.QueryAllRawEvents().Where(e => e.StreamId == stream)
                .OrderByDescending(e => e.Sequence).Select(e => e.Sequence).FirstOrDefaultAsync(cancellationToken);
        }
        var last = after.Value;
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
