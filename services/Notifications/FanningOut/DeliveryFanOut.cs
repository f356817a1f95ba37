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
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>One tracker message as it came off the queue: its id (the Tracker's event id), the trace it continues, and the notice.</summary>
public sealed record IncomingNotice(Guid MessageId, string? TraceParent, IPredictionNotice Message)
{
    /// <summary>MassTransit carries the publisher's activity (W3C id) in this header; the webhook continues that trace.</summary>
    private const string ActivityHeader = "MT-Activity-Id";

    /// <summary>The concrete notice of a message consumed as <see cref="IPredictionNotice"/>; null for a notice type Notifications does not know.</summary>
    public static IncomingNotice? From(ConsumeContext<IPredictionNotice> context)
    {
        var id = context.MessageId ?? throw new InvalidOperationException("Tracker events carry their event id as MessageId.");
        var trace = context.Headers.Get<string>(ActivityHeader) ?? Activity.Current?.Id;
        IPredictionNotice? message =
            context.TryGetMessage<PredictionStatusChangedNotice>(out var status) ? status.Message
            : context.TryGetMessage<PredictionProbabilityChangedNotice>(out var probability) ? probability.Message
            : context.TryGetMessage<PredictionDevelopmentLoggedNotice>(out var logged) ? logged.Message
            : context.TryGetMessage<PredictionResolvedNotice>(out var resolved) ? resolved.Message
            : context.TryGetMessage<PredictionRegisteredNotice>(out var registered) ? registered.Message
            : context.TryGetMessage<PredictionRewordedNotice>(out var reworded) ? reworded.Message
            : null;
        return message is null ? null : new(id, trace, message);
    }
}

/// <summary>
/// Turns tracker events into exactly one delivery per alert and matching subscription (one alert for
/// most events; a probability move may make a change and a crossing per threshold), a batch of them at
/// a time in queue order: the deliveries (ids derived from alert and subscription), the feed alerts, the
/// probability baselines, the copies of the predictions (registrations and rewords) and the
/// processed-message records are committed in one transaction per batch, so a redelivered message, a
/// restarted consumer or a second instance creates nothing twice, and a bulk import costs one commit per
/// batch rather than one per message.
/// </summary>
public sealed class DeliveryFanOut(IDocumentStore store, PredictionCopyMapping<PredictionSummary> copies, TimeProvider time, DeliveryWakeup wakeup,
    ILogger<DeliveryFanOut> logger)
{
    public async Task HandleAsync(IReadOnlyList<IncomingNotice> notices, CancellationToken cancellationToken)
    {
        if (notices.Count == 0 || await TryFanOutAsync(notices, cancellationToken))
        {
            return;
        }
        // Another instance committed one of these first: each on its own, so the rest still commit.
        foreach (var notice in notices)
        {
            await TryFanOutAsync([notice], cancellationToken);
        }
    }

    /// <summary>False when another consumer committed one of these messages first (only for more than one message).</summary>
    private async Task<bool> TryFanOutAsync(IReadOnlyList<IncomingNotice> notices, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var processed = (await session.LoadManyAsync<ProcessedMessage>(ct, notices.Select(n => n.MessageId).Distinct().ToArray()))
            .Select(p => p.Id).ToHashSet();
        // Queue order, made certain per prediction by the stream version (a stable sort keeps the two
        // messages of one event, a development and its probability change, in the order they were published).
        var fresh = notices.Where(n => processed.Add(n.MessageId))
            .OrderBy(n => n.Message.PredictionId, StringComparer.Ordinal).ThenBy(n => n.Message.Version).ToList();
        if (fresh.Count == 0)
        {
            return true;
        }
        var predictionIds = fresh.Select(n => n.Message.PredictionId).Distinct().ToArray();
        var predictions = (await session.LoadManyAsync<PredictionSummary>(ct, predictionIds)).ToDictionary(p => p.Id);
        // Copies first, in version order, so a registration in this batch gives its tags to the events after it.
        var changedCopies = new Dictionary<string, PredictionSummary>();
        foreach (var notice in fresh)
        {
            var known = predictions.GetValueOrDefault(notice.Message.PredictionId);
            switch (notice.Message)
            {
                case PredictionRegisteredNotice registered when PredictionCopies.Replaces(known, registered.Version):
                    predictions[registered.PredictionId] = changedCopies[registered.PredictionId] = copies.FromRegistration(registered);
                    break;
                case PredictionRewordedNotice reworded when PredictionCopies.Updates(known, reworded.Version):
                    copies.Reword(known!, reworded);
                    changedCopies[reworded.PredictionId] = known!;
                    break;
            }
        }
        var alerting = fresh.Where(n => EventTypes(n.Message).Length > 0).ToList();
        var candidates = alerting.Count == 0 ? [] : await CandidatesAsync(session, alerting, predictions, ct);
        var baselines = await BaselinesAsync(session, alerting, candidates, ct);
        var changedBaselines = new Dictionary<string, ProbabilityBaseline>();

        var now = time.GetUtcNow();
        var deliveries = new List<Delivery>();
        foreach (var incoming in fresh)
        {
            session.Insert(new ProcessedMessage { Id = incoming.MessageId, MessageType = incoming.Message.GetType().Name, ProcessedAt = now });
            var eventTypes = EventTypes(incoming.Message);
            if (eventTypes.Length == 0)
            {
                continue;
            }
            var predictionId = incoming.Message.PredictionId;
            IReadOnlyCollection<string> tags = predictions.GetValueOrDefault(predictionId)?.Tags ?? [];
            var matching = candidates.Where(s => eventTypes.Any(type => s.Filter.Matches(predictionId, tags, type))).ToList();
            var sequence = new Dictionary<Guid, int>();
            foreach (var (subscription, notice) in Alerts(incoming, matching, baselines, changedBaselines))
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
                    TraceParent = incoming.TraceParent,
                    RecordedAt = notice.RecordedAt,
                    CreatedAt = now,
                    NextAttemptAt = now,
                });
            }
        }
        if (changedCopies.Count > 0)
        {
            session.Store(changedCopies.Values.ToArray());
        }
        if (changedBaselines.Count > 0)
        {
            session.Store(changedBaselines.Values.ToArray());
        }
        if (deliveries.Count > 0)
        {
            session.Insert(deliveries.ToArray());
        }
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException) when (notices.Count > 1)
        {
            return false;
        }
        catch (DocumentAlreadyExistsException)
        {
            // Another consumer instance committed this message first: its deliveries (and baselines) stand.
            logger.LogInformation("Message {EventId} was already processed", notices[0].MessageId);
            return true;
        }
        if (deliveries.Count > 0)
        {
            wakeup.Signal();
        }
        return true;
    }

    /// <summary>The event types a subscription must hear to be a candidate for this notice (none for the copies).</summary>
    private static string[] EventTypes(IPredictionNotice message) => message switch
    {
        PredictionStatusChangedNotice => [NotificationEventTypes.StatusChanged],
        PredictionResolvedNotice => [NotificationEventTypes.Resolved],
        PredictionDevelopmentLoggedNotice => [NotificationEventTypes.DevelopmentLogged],
        PredictionProbabilityChangedNotice => [NotificationEventTypes.ProbabilityChanged, NotificationEventTypes.ProbabilityCrossed],
        _ => [],
    };

    /// <summary>
    /// Every subscription that may hear any notice of the batch, in one query: PostgreSQL narrows the
    /// candidates (jsonb_exists is the function behind the ? operator, which would clash with Marten's
    /// placeholder); the filter's own rule has the last word, per notice.
    /// </summary>
    private static async Task<List<Subscription>> CandidatesAsync(IDocumentSession session, List<IncomingNotice> alerting,
        Dictionary<string, PredictionSummary> predictions, CancellationToken ct)
    {
        var eventTypes = alerting.SelectMany(n => EventTypes(n.Message)).Distinct().ToArray();
        var ids = alerting.Select(n => n.Message.PredictionId).Distinct().ToArray();
        var tags = ids.SelectMany(id => predictions.GetValueOrDefault(id)?.Tags ?? []).Select(t => t.ToLowerInvariant()).Distinct().ToArray();
        var candidates = await session.QueryAsync<Subscription>(
            """
            where (data ->> 'disabled')::boolean = false
              and jsonb_exists_any(data -> 'filter' -> 'events', ?)
              and (jsonb_exists_any(data -> 'filter' -> 'predictionIds', ?)
                   or jsonb_exists_any(data -> 'filter' -> 'tags', ?)
                   or (jsonb_array_length(data -> 'filter' -> 'predictionIds') = 0 and jsonb_array_length(data -> 'filter' -> 'tags') = 0))
            """,
            ct, eventTypes, ids, tags);
        return [.. candidates];
    }

    private static async Task<Dictionary<string, ProbabilityBaseline>> BaselinesAsync(IDocumentSession session, List<IncomingNotice> alerting,
        List<Subscription> candidates, CancellationToken ct)
    {
        var measured = candidates.Where(s => s.Filter.MinProbabilityChange is not null).ToList();
        var ids = measured.Count == 0
            ? []
            : alerting.Where(n => n.Message is PredictionProbabilityChangedNotice).Select(n => n.Message.PredictionId).Distinct()
                .SelectMany(p => measured.Select(s => ProbabilityBaseline.IdFor(s.Id, p))).ToArray();
        return ids.Length == 0 ? [] : (await session.LoadManyAsync<ProbabilityBaseline>(ct, ids)).ToDictionary(b => b.Id);
    }

    /// <summary>
    /// The alerts (subscription, notice) of one message for its matching subscriptions. A probability move:
    /// probability-changed for subscriptions that hear it (held back until a minimum change is reached where
    /// one is set, measured from the baseline as the batch has moved it so far) and one probability-crossed per threshold crossed.
    /// </summary>
    private static IEnumerable<(Subscription Subscription, Notice Notice)> Alerts(IncomingNotice incoming, List<Subscription> matching,
        Dictionary<string, ProbabilityBaseline> baselines, Dictionary<string, ProbabilityBaseline> changed)
    {
        var eventId = incoming.MessageId;
        switch (incoming.Message)
        {
            case PredictionStatusChangedNotice m:
                var statusChanged = Notice.Of(eventId, m);
                return matching.Select(s => (s, statusChanged));
            case PredictionResolvedNotice m:
                var resolved = Notice.Of(eventId, m);
                return matching.Select(s => (s, resolved));
            case PredictionDevelopmentLoggedNotice m:
                var developmentLogged = Notice.Of(eventId, m);
                return matching.Select(s => (s, developmentLogged));
            case PredictionProbabilityChangedNotice m:
                var notice = Notice.Of(eventId, m);
                var alerts = new List<(Subscription, Notice)>();
                foreach (var subscription in matching)
                {
                    var id = ProbabilityBaseline.IdFor(subscription.Id, m.PredictionId);
                    var known = baselines.GetValueOrDefault(id)?.Probability;
                    var decision = ProbabilityAlerts.Decide(subscription.Filter, known, m.PreviousProbability, m.Probability);
                    if (decision.Changed)
                    {
                        alerts.Add((subscription, notice));
                    }
                    alerts.AddRange(decision.Crossings.Select(c => (subscription, Notice.Crossed(eventId, m, c))));
                    if (decision.Baseline is { } baseline && baseline != known)
                    {
                        baselines[id] = changed[id] = new ProbabilityBaseline
                        {
                            Id = id, SubscriptionId = subscription.Id, PredictionId = m.PredictionId, Probability = baseline, Version = m.Version,
                        };
                    }
                }
                return alerts;
            default:
                return [];
        }
    }
}
