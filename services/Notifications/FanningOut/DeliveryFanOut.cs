using System.Diagnostics;
using Marten;
using JasperFx;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Feed;
using PolicyTracker.Notifications.Predictions;
using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Turns one tracker event into exactly one delivery per alert and matching subscription (one alert for
/// most events; a probability move may make a change and a crossing per threshold): the deliveries (ids
/// derived from alert and subscription), the feed alerts, the probability baselines and the
/// processed-message record are committed in one transaction, so a redelivered message, a restarted
/// consumer or a second instance creates nothing twice.
/// </summary>
public sealed class DeliveryFanOut(IDocumentSession session, TimeProvider time, DeliveryWakeup wakeup, ILogger<DeliveryFanOut> logger)
{
    /// <summary>An event that every matching subscription hears as it is.</summary>
    public Task HandleAsync<T>(ConsumeContext<T> context, Func<Guid, Notice> describe) where T : class =>
        FanOutAsync(context, eventId =>
        {
            var notice = describe(eventId);
            return (notice.PredictionId, [notice.EventType], matching => Task.FromResult(matching.Select(s => (s, notice))));
        });

    /// <summary>
    /// A probability move: probability-changed for subscriptions that hear it (held back until a minimum
    /// change is reached where one is set) and one probability-crossed per threshold crossed.
    /// </summary>
    public Task HandleProbabilityChangeAsync(ConsumeContext<PredictionProbabilityChangedNotice> context) =>
        FanOutAsync(context, eventId =>
        {
            var m = context.Message;
            var changed = Notice.Of(eventId, m);
            return (m.PredictionId, [NotificationEventTypes.ProbabilityChanged, NotificationEventTypes.ProbabilityCrossed], async matching =>
            {
                var measured = matching.Where(s => s.Filter.MinProbabilityChange is not null)
                    .Select(s => ProbabilityBaseline.IdFor(s.Id, m.PredictionId)).ToArray();
                var baselines = measured.Length == 0
                    ? new Dictionary<string, ProbabilityBaseline>()
                    : (await session.LoadManyAsync<ProbabilityBaseline>(context.CancellationToken, measured)).ToDictionary(b => b.Id);
                var alerts = new List<(Subscription, Notice)>();
                foreach (var subscription in matching)
                {
                    var id = ProbabilityBaseline.IdFor(subscription.Id, m.PredictionId);
                    var known = baselines.GetValueOrDefault(id)?.Probability;
                    var decision = ProbabilityAlerts.Decide(subscription.Filter, known, m.PreviousProbability, m.Probability);
                    if (decision.Changed)
                    {
                        alerts.Add((subscription, changed));
                    }
                    alerts.AddRange(decision.Crossings.Select(c => (subscription, Notice.Crossed(eventId, m, c))));
                    if (decision.Baseline is { } baseline && baseline != known)
                    {
                        session.Store(new ProbabilityBaseline
                        {
                            Id = id, SubscriptionId = subscription.Id, PredictionId = m.PredictionId, Probability = baseline, Version = m.Version,
                        });
                    }
                }
                return alerts;
            });
        });

    /// <param name="plan">
    /// Given the event id: the prediction, the event types a subscription must hear to be a candidate, and
    /// the alerts (subscription, notice) for the matching subscriptions, staging any state they change in the session.
    /// </param>
    private async Task FanOutAsync<T>(ConsumeContext<T> context,
        Func<Guid, (string PredictionId, string[] EventTypes, Func<List<Subscription>, Task<IEnumerable<(Subscription Subscription, Notice Notice)>>> Alerts)> plan)
        where T : class
    {
        var eventId = context.MessageId ?? throw new InvalidOperationException("Tracker events carry their event id as MessageId.");
        if (await session.LoadAsync<ProcessedMessage>(eventId, context.CancellationToken) is not null)
        {
            return;
        }
        var (predictionId, eventTypes, alertsFor) = plan(eventId);
        var now = time.GetUtcNow();
        var prediction = await session.LoadAsync<PredictionSummary>(predictionId, context.CancellationToken);
        IReadOnlyCollection<string> tags = prediction?.Tags ?? [];
        // PostgreSQL narrows the candidates (jsonb_exists is the function behind the ? operator, which
        // would clash with Marten's placeholder); the filter's own rule has the last word.
        var candidates = await session.QueryAsync<Subscription>(
            """
            where (data ->> 'disabled')::boolean = false
              and jsonb_exists_any(data -> 'filter' -> 'events', ?)
              and (jsonb_exists(data -> 'filter' -> 'predictionIds', ?)
                   or jsonb_exists_any(data -> 'filter' -> 'tags', ?)
                   or (jsonb_array_length(data -> 'filter' -> 'predictionIds') = 0 and jsonb_array_length(data -> 'filter' -> 'tags') = 0))
            """,
            context.CancellationToken,
            eventTypes, predictionId, tags.Select(t => t.ToLowerInvariant()).ToArray());
        var matching = candidates.Where(s => eventTypes.Any(type => s.Filter.Matches(predictionId, tags, type))).ToList();
        var alerts = await alertsFor(matching);
        var traceParent = Activity.Current?.Id;

        session.Insert(new ProcessedMessage { Id = eventId, MessageType = typeof(T).Name, ProcessedAt = now });
        var deliveries = new List<Delivery>();
        var sequence = new Dictionary<Guid, int>();
        foreach (var (subscription, notice) in alerts)
        {
            var sequenceInVersion = sequence[subscription.Id] = sequence.GetValueOrDefault(subscription.Id, -1) + 1;
            if (subscription.Channel.Type == ChannelTypes.Feed)
            {
                session.Events.Append(FeedStreams.For(subscription.Owner), new FeedAlertRaised(
                    Delivery.IdFor(notice.EventId, subscription.Id), subscription.Owner, subscription.Id, notice.EventType, notice.PredictionId,
                    notice.Version, notice.Title, notice.Headline, notice.Detail, notice.RecordedAt, notice.Body));
                continue;
            }
            deliveries.Add(new Delivery
            {
                Id = Delivery.IdFor(notice.EventId, subscription.Id),
                EventId = notice.EventId,
                SubscriptionId = subscription.Id,
                Owner = subscription.Owner,
                Channel = subscription.Channel.Type,
                Target = subscription.Channel.Url ?? subscription.Channel.Address ?? "",
                Type = notice.EventType,
                PredictionId = notice.PredictionId,
                Version = notice.Version,
                SequenceInVersion = sequenceInVersion,
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
            // Another consumer instance committed this message first: its deliveries (and baselines) stand.
            logger.LogInformation("Message {EventId} was already processed", eventId);
            return;
        }
        if (deliveries.Count > 0)
        {
            wakeup.Signal();
        }
    }
}
