using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Tracker.Predictions;
using PredictionRegistered = PolicyTracker.Tracker.Predictions.PredictionRegistered;
using PredictionReworded = PolicyTracker.Tracker.Predictions.PredictionReworded;
using PredictionResolved = PolicyTracker.Tracker.Predictions.PredictionResolved;

namespace PolicyTracker.Tracker.LoggingDevelopment;

/// <summary>
/// Ingestion's LogDevelopment commands, consumed in batches so a bulk import appends many
/// developments per transaction. Idempotent: a development id already recorded (or repeated within
/// the batch) appends nothing. Order per prediction is the queue's order: one batch at a time.
/// </summary>
public sealed class LogDevelopmentConsumer(IDocumentStore store, ILogger<LogDevelopmentConsumer> logger) : IConsumer<Batch<LogDevelopment>>
{
    public async Task Consume(ConsumeContext<Batch<LogDevelopment>> context)
    {
        var commands = context.Message.Select(m => m.Message).ToList();
        var ct = context.CancellationToken;
        await using var session = store.LightweightSession();
        var recorders = commands.Select(c => c.RecordedBy).Distinct().ToList();
        session.LastModifiedBy = recorders.Count == 1 ? recorders[0] : "ingestion";
        if (context.Message.Length == 1)
        {
            session.CausationId = context.Message[0].MessageId?.ToString();
            session.CorrelationId = context.Message[0].CorrelationId?.ToString() ?? session.CorrelationId;
        }
        TraceContext.CaptureInto(session);

        var ids = commands.Select(c => c.DevelopmentId).Distinct().ToArray();
        var seen = (await session.LoadManyAsync<DevelopmentRecord>(ct, ids)).Select(d => d.Id).ToHashSet();
        var appended = 0;
        foreach (var group in commands.GroupBy(c => c.PredictionId))
        {
            if (!HttpConventions.IsSlug(group.Key))
            {
                logger.LogWarning("Dropped {Count} LogDevelopment commands for malformed prediction id {PredictionId}", group.Count(), group.Key);
                continue;
            }
            var stream = await session.Events.FetchForWriting<Prediction>(group.Key, ct);
            if (stream.Aggregate is null)
            {
                // A command for a prediction that does not exist can never succeed: retrying it would loop.
                logger.LogWarning("Dropped {Count} LogDevelopment commands for unknown prediction {PredictionId}", group.Count(), group.Key);
                continue;
            }
            var state = stream.Aggregate;
            var events = new List<object>();
            foreach (var command in group)
            {
                if (string.IsNullOrWhiteSpace(command.Summary) || !seen.Add(command.DevelopmentId))
                {
                    continue;
                }
                var decided = LoggingDevelopment.Decide(state, new DevelopmentToLog(command.DevelopmentId, command.StatementId,
                    command.Summary, command.OccurredAt, command.Stance, command.Strength, command.Rationale, command.Source, command.RecordedBy));
                foreach (var @event in decided)
                {
                    state = Prediction.Fold(state, @event)!;
                }
                events.AddRange(decided);
            }
            if (events.Count == 0)
            {
                continue;
            }
            await PredictionLedger.RecordAsync(session, group.Key, stream.Aggregate, stream.CurrentVersion ?? 0, events, ct);
            stream.AppendMany(events);
            appended += events.Count;
        }
        if (appended > 0)
        {
            // A lost race (an HTTP write to the same prediction) throws; the retry policy re-runs the batch.
            await session.SaveChangesAsync(ct);
        }
    }
}

public sealed class LogDevelopmentConsumerDefinition : ConsumerDefinition<LogDevelopmentConsumer>
{
    public LogDevelopmentConsumerDefinition() => EndpointName = TrackerEndpoints.LogDevelopment;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<LogDevelopmentConsumer> consumer,
        IRegistrationContext context)
    {
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = 1000;
            // Senders address this queue as queue:log-development, which makes MassTransit declare it
            // as a plain classic queue; RabbitMQ 3.10 refuses a declaration whose x-queue-type differs
            // from the existing queue's (the send then never completes), so this queue stays classic.
            rabbit.SetQueueArgument("x-queue-type", null);
        }
        // One batch at a time keeps each prediction's developments in queue order.
        consumer.Options<BatchOptions>(o => o.SetMessageLimit(500).SetTimeLimit(TimeSpan.FromMilliseconds(50)).SetConcurrencyLimit(1));
        consumer.UseMessageRetry(r => r.Intervals(50, 100, 250, 500, 1000, 2000));
    }
}
