using System.Diagnostics;
using Marten;
using JasperFx;
using MassTransit;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Feed;
using PolicyTracker.Notifications.Predictions;
using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Turns one tracker event into exactly one delivery per matching subscription: the deliveries (ids
/// derived from event and subscription), the feed alerts and the processed-message record are
/// committed in one transaction, so a redelivered message, a restarted consumer or a second
/// instance creates nothing twice.
/// </summary>
public sealed class DeliveryFanOut(IDocumentSession session, TimeProvider time, DeliveryWakeup wakeup, ILogger<DeliveryFanOut> logger)
{
    public async Task HandleAsync<T>(ConsumeContext<T> context, Func<Guid, Notice> describe) where T : class
    {
        var eventId = context.MessageId ?? throw new InvalidOperationException("Tracker events carry their event id as MessageId.");
        if (await session.LoadAsync<ProcessedMessage>(eventId, context.CancellationToken) is not null)
        {
            return;
        }
        var notice = describe(eventId);
        var now = time.GetUtcNow();
        var prediction = await session.LoadAsync<PredictionSummary>(notice.PredictionId, context.CancellationToken);
        IReadOnlyCollection<string> tags = prediction?.Tags ?? [];
        // PostgreSQL narrows the candidates (jsonb_exists is the function behind the ? operator, which
        // would clash with Marten's placeholder); the filter's own rule has the last word.
        var candidates = await session.QueryAsync<Subscription>(
            """
            where (data ->> 'disabled')::boolean = false
              and jsonb_exists(data -> 'filter' -> 'events', ?)
              and (jsonb_exists(data -> 'filter' -> 'predictionIds', ?)
                   or jsonb_exists_any(data -> 'filter' -> 'tags', ?)
                   or (jsonb_array_length(data -> 'filter' -> 'predictionIds') = 0 and jsonb_array_length(data -> 'filter' -> 'tags') = 0))
            """,
            context.CancellationToken,
            notice.EventType, notice.PredictionId, tags.Select(t => t.ToLowerInvariant()).ToArray());
        var matching = candidates.Where(s => s.Filter.Matches(notice.PredictionId, tags, notice.EventType)).ToList();
        var traceParent = Activity.Current?.Id;

        session.Insert(new ProcessedMessage { Id = eventId, MessageType = typeof(T).Name, ProcessedAt = now });
        var deliveries = new List<Delivery>();
        foreach (var subscription in matching)
        {
            if (subscription.Channel.Type == ChannelTypes.Feed)
            {
                session.Events.Append(FeedStreams.For(subscription.Owner), new FeedAlertRaised(
                    Delivery.IdFor(eventId, subscription.Id), subscription.Owner, subscription.Id, notice.EventType, notice.PredictionId,
                    notice.Version, notice.Title, notice.Headline, notice.Detail, notice.RecordedAt, notice.Body));
                continue;
            }
            deliveries.Add(new Delivery
            {
                Id = Delivery.IdFor(eventId, subscription.Id),
                EventId = eventId,
                SubscriptionId = subscription.Id,
                Owner = subscription.Owner,
                Channel = subscription.Channel.Type,
                Target = subscription.Channel.Url ?? subscription.Channel.Address ?? "",
                Type = notice.EventType,
                PredictionId = notice.PredictionId,
                Version = notice.Version,
                Body = notice.Body,
                Email = subscription.Channel.Type == ChannelTypes.Email ? notice.Email() : null,
                TraceParent = traceParent,
                RecordedAt = notice.RecordedAt,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }
        if (deliveries.Count > 0)
        {
            session.Insert(deliveries.ToArray());
        }
        try
        {
            await session.SaveChangesAsync(context.CancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            // Another consumer instance committed this message first: its deliveries stand.
            logger.LogInformation("Message {EventId} was already processed", eventId);
            return;
        }
        if (deliveries.Count > 0)
        {
            wakeup.Signal();
        }
    }
}
