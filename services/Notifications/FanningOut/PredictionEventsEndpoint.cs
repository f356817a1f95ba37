using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Every tracker event Notifications consumes arrives, in each prediction's stream order (the Tracker
/// publishes a prediction's messages one after another, with the prediction id as routing key), on one
/// of the partitions notifications-prediction-events-0..N-1 of a consistent-hash exchange keyed by that
/// id. Each partition has one active consumer among all instances and is consumed as
/// <see cref="IPredictionNotice"/> in batches, one batch at a time, each batch in queue order (made certain
/// per prediction by the version), so a prediction's deliveries are created in stream order and the worker
/// sends them in that order (see the README, "Order").
/// </summary>
public static class PredictionEventsEndpoint
{
    public const string Name = "notifications-prediction-events";

    /// <summary>
    /// Messages per batch: one. Batches of up to 100 (one commit each) drained ~15× faster, but their
    /// messages reached the consumer in the order their receive pipelines finished, not in queue order,
    /// and a batch boundary could fall between two of a prediction's messages: the full suite saw a
    /// prediction's v30 and v31 webhooks after its v32. Sorting within a batch cannot mend that, so a
    /// partition is consumed strictly one message at a time; partitions and instances give the parallelism.
    /// </summary>
    public const int BatchSize = 1;

    // The concrete notice exchanges, not IPredictionNotice's: MassTransit binds each of them to the
    // interface's exchange too, so binding both would bring every message twice.
    public static readonly PartitionedQueue Queue = new(Name,
        PartitionedQueue.MessageExchange<PredictionRegisteredNotice>(),
        PartitionedQueue.MessageExchange<PredictionRewordedNotice>(),
        PartitionedQueue.MessageExchange<PredictionStatusChangedNotice>(),
        PartitionedQueue.MessageExchange<PredictionResolvedNotice>(),
        PartitionedQueue.MessageExchange<PredictionDevelopmentLoggedNotice>(),
        PartitionedQueue.MessageExchange<PredictionProbabilityChangedNotice>());

    public static void Configure(IRegistrationContext context, IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        // One message in flight per partition (see BatchSize); the prefetch keeps the next ones at hand.
        endpoint.ConcurrentMessageLimit = BatchSize;
        endpoint.PrefetchCount = 16;
        // A message that fails on its own merits is retried briefly in memory (about 10 s; it holds the
        // partition meanwhile), then goes to the error queue. A database outage never gets here: the gate
        // holds the message until the database answers, however long that takes.
        endpoint.UseOutageGate(context);
        endpoint.ConfigureConsumer<PredictionNoticesConsumer>(context);
    }
}

/// <summary>The batch: as many messages as are waiting (up to the batch size), or a lone one after a few milliseconds.</summary>
public sealed class PredictionNoticesConsumerDefinition : ConsumerDefinition<PredictionNoticesConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<PredictionNoticesConsumer> consumer,
        IRegistrationContext context)
    {
        consumer.Options<BatchOptions>(o => o.SetMessageLimit(PredictionEventsEndpoint.BatchSize).SetTimeLimit(TimeSpan.FromMilliseconds(2)).SetConcurrencyLimit(1));
        // The whole batch is retried in place, holding its slot, so no later batch overtakes a failing one
        // (a retry per message, outside the batch, would let the next messages of a prediction go first).
        consumer.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500)));
    }
}

/// <summary>Fans a batch of tracker events out to subscribers (see <see cref="DeliveryFanOut"/>); waits out a database outage at the gate.</summary>
public sealed class PredictionNoticesConsumer(DeliveryFanOut fanOut, ConsumptionGate gate, ILogger<PredictionNoticesConsumer> logger)
    : IConsumer<Batch<IPredictionNotice>>
{
    public Task Consume(ConsumeContext<Batch<IPredictionNotice>> context)
    {
        var notices = new List<IncomingNotice>(context.Message.Length);
        foreach (var message in context.Message)
        {
            if (IncomingNotice.From(message) is { } notice)
            {
                notices.Add(notice);
            }
            else
            {
                logger.LogWarning("Ignored message {MessageId}: not a notice type Notifications knows", message.MessageId);
            }
        }
        return gate.RunAsync(() => fanOut.HandleAsync(notices, context.CancellationToken), context.CancellationToken);
    }
}
