using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Forwarding;

/// <summary>
/// The outbox relay: reads committed <see cref="StatementLinked"/> events and sends each as a
/// <see cref="LogDevelopment"/> command. Progress is saved after a page, so a crash re-sends; the
/// development id (and MessageId) derived from statement and prediction makes that harmless.
/// </summary>
public sealed class DevelopmentForwarder : SubscriptionBase
{
    public const string SubscriptionKey = "development-forwarding";
    private const int ConcurrentSends = 250;
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(15);

    private readonly IBus _bus;
    private readonly ILogger<DevelopmentForwarder> _logger;

    public DevelopmentForwarder(IBus bus, ILogger<DevelopmentForwarder> logger)
    {
        _bus = bus;
        _logger = logger;
        Name = SubscriptionKey;
        IncludeType<StatementLinked>();
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var linked = page.Events.Where(e => e.Data is StatementLinked).ToList();
        if (linked.Count == 0)
        {
            return NullChangeListener.Instance;
        }
        // Published to the Tracker's consistent-hash exchange keyed by prediction id; the publish topology
        // (PredictionPartitions) declares it with every partition queue, so commands wait there even while
        // the Tracker has never run. Sends overlap within a chunk for throughput (the order that matters is
        // a prediction's stream order in the Tracker); a broker failure escapes, so Marten replays the page.
        foreach (var chunk in linked.Chunk(ConcurrentSends))
        {
            await Task.WhenAll(chunk.Select(e => ForwardAsync(e, controller, cancellationToken)));
        }
        return NullChangeListener.Instance;
    }

    private async Task ForwardAsync(IEvent @event, ISubscriptionController controller, CancellationToken cancellationToken)
    {
        var linked = (StatementLinked)@event.Data;
        using var activity = TraceContext.StartPublishing(@event, "send LogDevelopment");
        LogDevelopment command;
        try
        {
            command = ToCommand(linked);
        }
        catch (Exception ex)
        {
            // A poison event would stop every statement behind it: park it and move on.
            _logger.LogError(ex, "StatementLinked {EventId} cannot be forwarded; dead-lettered", @event.Id);
            await controller.RecordDeadLetterEventAsync(@event, ex);
            return;
        }
        // A publish caught in a broker outage can wait on a connection that never comes back; bounded, it
        // fails the page instead, and the daemon replays the page on a fresh connection.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            await _bus.Publish(command, context => context.MessageId = linked.DevelopmentId, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"LogDevelopment {linked.DevelopmentId} was not confirmed by the broker within {PublishTimeout}");
        }
    }

    public static LogDevelopment ToCommand(StatementLinked linked) => new(
        linked.DevelopmentId, linked.PredictionId, linked.StatementId, linked.Summary, linked.OccurredAt,
        linked.Stance, linked.Strength, linked.Rationale, linked.Source, linked.LinkedBy);
}
