using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker.LoggingDevelopment;

/// <summary>
/// Ingestion's LogDevelopment commands, consumed in batches so a bulk import appends each prediction's
/// developments of a batch in one write (through <see cref="PredictionWrites"/>, like every writer).
/// Idempotent: a development id already recorded (or repeated within the batch) appends nothing.
/// Every prediction of a batch is written in one transaction (one commit per batch).
/// Order per prediction is its partition queue's order: one batch at a time per partition, and one
/// active consumer per partition across instances (single-active-consumer). While PostgreSQL is unavailable the
/// batch waits at the service's <see cref="ConsumptionGate"/> and runs again once it answers, so an
/// outage of any length sends nothing to `_error`.
/// </summary>
public sealed class LogDevelopmentConsumer(IDocumentStore store, ConsumptionGate gate, ILogger<LogDevelopmentConsumer> logger)
    : IConsumer<Batch<LogDevelopment>>
{
    public Task Consume(ConsumeContext<Batch<LogDevelopment>> context) => gate.RunAsync(() => LogAsync(context), context.CancellationToken);

    private async Task LogAsync(ConsumeContext<Batch<LogDevelopment>> context)
    {
        var commands = context.Message.Select(m => m.Message).ToList();
        var ct = context.CancellationToken;
        var recorders = commands.Select(c => c.RecordedBy).Distinct().ToList();
        var recordedBy = recorders.Count == 1 ? recorders[0] : "ingestion";
        void Describe(IDocumentSession session)
        {
            if (context.Message.Length == 1)
            {
                session.CausationId = context.Message[0].MessageId?.ToString();
                session.CorrelationId = context.Message[0].CorrelationId?.ToString() ?? session.CorrelationId;
            }
        }
        var byPrediction = new Dictionary<string, List<LogDevelopment>>();
        foreach (var group in commands.GroupBy(c => c.PredictionId))
        {
            if (!PredictionId.IsValid(group.Key))
            {
                logger.LogWarning("Dropped {Count} LogDevelopment commands for malformed prediction id {PredictionId}", group.Count(), group.Key);
                continue;
            }
            byPrediction[group.Key] = [.. group];
        }
        if (byPrediction.Count == 0)
        {
            return;
        }
        // Every prediction of the batch in one transaction: a bulk import over many predictions fetches its
        // streams (and asks which developments exist already) in one round trip and commits once per batch.
        var developmentIds = commands.Select(c => c.DevelopmentId).Distinct().ToArray();
        var results = await PredictionWrites.AppendManyAsync(store, [.. byPrediction.Keys], recordedBy,
            async batch => (await batch.LoadMany<DevelopmentRecord>().ById(developmentIds)).Select(d => d.Id).ToHashSet(),
            (state, seen) =>
            {
                var events = new List<object>();
                foreach (var command in byPrediction[state.Id])
                {
                    if (string.IsNullOrWhiteSpace(command.Summary) || !seen.Add(command.DevelopmentId))
                    {
                        continue;
                    }
                    var decided = Logging.Decide(state, new DevelopmentToLog(command.DevelopmentId, command.StatementId,
                        command.Summary, command.OccurredAt, command.Stance, command.Strength, command.Rationale, command.Source, command.RecordedBy));
                    state = decided.Aggregate(state, (current, e) => Prediction.Fold(current, e)!);
                    events.AddRange(decided);
                }
                return new Decision(events);
            }, ct, Describe);
        foreach (var (predictionId, result) in results)
        {
            if (result.Refusal?.Kind == RefusalKind.NotFound)
            {
                // A command for a prediction that does not exist can never succeed: retrying it would loop.
                logger.LogWarning("Dropped {Count} LogDevelopment commands for unknown prediction {PredictionId}", byPrediction[predictionId].Count, predictionId);
            }
            else if (result.Refusal is not null)
            {
                // Lost too many races with HTTP writers: the retry policy re-runs the batch, and what was
                // appended already is skipped by development id.
                throw new InvalidOperationException($"LogDevelopment for {predictionId} lost too many races");
            }
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
        }
        // One batch at a time per partition keeps each prediction's developments in queue order; the
        // partitions (log-development-0..N-1, see PredictionPartitions) run side by side. The time limit is
        // how long a lone command waits for company: under a bulk the prefetch fills a batch at once anyway,
        // so a short one costs a bulk nothing and an interactive statement almost nothing.
        consumer.Options<BatchOptions>(o => o.SetMessageLimit(500).SetTimeLimit(TimeSpan.FromMilliseconds(5)).SetConcurrencyLimit(1));
        consumer.UseMessageRetry(r => r.Intervals(50, 100, 250, 500, 1000, 2000));
    }
}
