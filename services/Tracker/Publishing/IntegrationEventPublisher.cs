using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using PolicyTracker.ServiceDefaults;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Tracker.Predictions;
using Integration = PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Tracker.Publishing;

/// <summary>
/// The outbox: reads committed prediction events and publishes the integration contracts. MessageId
/// is the Marten event id (so consumers de-duplicate) and each message carries the stream version.
/// A publish failure (broker down) escapes so the page is replayed: at-least-once. An event that
/// cannot be turned into a message is dead-lettered so it does not block the stream forever.
/// </summary>
public sealed class IntegrationEventPublisher : SubscriptionBase
{
    public const string SubscriptionName = "integration-events";

    private readonly IBus _bus;
    private readonly ILogger<IntegrationEventPublisher> _logger;

    public IntegrationEventPublisher(IBus bus, ILogger<IntegrationEventPublisher> logger)
    {
        _bus = bus;
        _logger = logger;
        Name = SubscriptionName;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        // Every title the page needs in one round trip: one load per prediction, awaited in turn, made a page
        // over a hundred predictions (100 statements/s) wait seconds before its first publish.
        var streams = page.Events.Select(e => e.StreamKey).OfType<string>().Distinct().ToArray();
        var titles = streams.Length == 0
            ? new Dictionary<string, string>()
            : (await operations.LoadManyAsync<Prediction>(cancellationToken, streams)).ToDictionary(p => p.Id, p => p.Title);
        // One chain of publishes per prediction: each message of a prediction is published only after
        // the broker confirmed the one before, so a queue receives a prediction's messages in stream
        // order. Publishes started together complete in no particular order (different exchanges use
        // different channels, and even one exchange's concurrent publishes overtake each other), which
        // is how webhooks came out of version order. Predictions still publish in parallel.
        var chains = new Dictionary<string, Task>();
        foreach (var @event in page.Events)
        {
            IReadOnlyList<(object Message, Guid MessageId)> messages;
            try
            {
                messages = await ToMessagesAsync(@event, operations, titles, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Dead-lettering event {EventId} ({Stream} v{Version}): it cannot be published", @event.Id, @event.StreamKey, @event.Version);
                await controller.RecordDeadLetterEventAsync(@event, ex);
                continue;
            }
            if (messages.Count == 0)
            {
                continue;
            }
            var stream = @event.StreamKey ?? "";
            var previous = chains.GetValueOrDefault(stream, Task.CompletedTask);
            chains[stream] = PublishAfterAsync(previous, @event, messages, cancellationToken);
        }
        // Any failed publish fails the page, which the daemon replays: at-least-once.
        await Task.WhenAll(chains.Values);
        return NullChangeListener.Instance;
    }

    private async Task PublishAfterAsync(Task previous, IEvent @event, IReadOnlyList<(object Message, Guid MessageId)> messages,
        CancellationToken cancellationToken)
    {
        await previous;
        foreach (var (message, messageId) in messages)
        {
            // Started inside the activity, the publish carries the request's trace.
            using var activity = TraceContext.StartPublishing(@event, $"publish {message.GetType().Name}");
            await _bus.Publish(message, message.GetType(), context => context.MessageId = messageId, cancellationToken);
        }
    }

    private static async Task<IReadOnlyList<(object, Guid)>> ToMessagesAsync(IEvent e, IDocumentOperations operations,
        Dictionary<string, string> titles, CancellationToken ct)
    {
        var id = e.StreamKey!;
        async Task<string> Title()
        {
            if (!titles.TryGetValue(id, out var title))
            {
                title = (await operations.LoadAsync<Prediction>(id, ct))?.Title ?? id;
                titles[id] = title;
            }
            return title;
        }
        var recordedAt = e.Timestamp;
        return e.Data switch
        {
            PredictionRegistered r =>
            [
                (new Integration.PredictionRegisteredNotice(id, e.Version, r.Title, r.Claim, r.ResolutionCriteria, r.Horizon, r.Prior,
                    r.Tags, r.SearchTerms, r.Status, recordedAt, r.RecordedBy, r.EffectiveAt), e.Id),
            ],
            PredictionReworded r =>
            [
                (new Integration.PredictionRewordedNotice(id, e.Version, r.Title, r.Claim, r.ResolutionCriteria, recordedAt, r.RecordedBy), e.Id),
            ],
            DevelopmentLogged d when d.Probability != d.PreviousProbability =>
            [
                (Logged(id, e, d, await Title()), e.Id),
                (new Integration.PredictionProbabilityChangedNotice(id, e.Version, await Title(), d.PreviousProbability, d.Probability,
                    new Integration.ChangeCause("development-logged", d.DevelopmentId, d.Summary), d.EffectiveAt, recordedAt, d.RecordedBy),
                    Derived(e.Id, "probability-changed")),
            ],
            DevelopmentLogged d => [(Logged(id, e, d, await Title()), e.Id)],
            DevelopmentRetracted r =>
            [
                (new Integration.PredictionProbabilityChangedNotice(id, e.Version, await Title(), r.PreviousProbability, r.Probability,
                    new Integration.ChangeCause("development-retracted", r.DevelopmentId, r.Reason), r.EffectiveAt, recordedAt, r.RecordedBy), e.Id),
            ],
            ProbabilityRevised r =>
            [
                (new Integration.PredictionProbabilityChangedNotice(id, e.Version, await Title(), r.PreviousProbability, r.Probability,
                    new Integration.ChangeCause("probability-revised", null, r.Rationale), r.EffectiveAt, recordedAt, r.RecordedBy), e.Id),
            ],
            StatusChanged s =>
            [
                (new Integration.PredictionStatusChangedNotice(id, e.Version, await Title(), s.From, s.To, s.PreviousProbability, s.Probability,
                    new Integration.ChangeCause(s.CauseType, s.CauseDevelopmentId, s.CauseSummary), s.EffectiveAt, recordedAt, s.RecordedBy), e.Id),
            ],
            PredictionResolved r =>
            [
                (new Integration.PredictionResolvedNotice(id, e.Version, await Title(), r.Outcome, r.Rationale, r.Probability, r.EffectiveAt, recordedAt, r.RecordedBy), e.Id),
            ],
            _ => [],
        };
    }

    private static Integration.PredictionDevelopmentLoggedNotice Logged(string id, IEvent e, DevelopmentLogged d, string title) =>
        new(id, e.Version, title, d.DevelopmentId, d.StatementId, d.Summary, d.Stance, d.Strength, d.Probability, d.Status,
            d.EffectiveAt, e.Timestamp, d.RecordedBy);

    /// <summary>A second message from one event needs its own stable id, or consumers would drop it as a duplicate.</summary>
    public static Guid Derived(Guid eventId, string kind) => DeterministicIds.Sha256($"{eventId:N}/{kind}");
}
