using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.Predictions;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Every tracker event Notifications consumes arrives, in each prediction's stream order (the Tracker
/// publishes a prediction's messages one after another, with the prediction id as routing key), on one
/// of the partitions notifications-prediction-events-0..N-1 of a consistent-hash exchange keyed by that
/// id. Each partition has one active consumer among all instances and is processed one message at a time
/// in queue order, so a prediction's deliveries are created in stream order (see the README, "Order").
/// </summary>
public static class PredictionEventsEndpoint
{
    public const string Name = "notifications-prediction-events";

    public static readonly PartitionedQueue Queue = new(Name,
        PartitionedQueue.MessageExchange<PredictionRegisteredNotice>(),
        PartitionedQueue.MessageExchange<PredictionRewordedNotice>(),
        PartitionedQueue.MessageExchange<PredictionStatusChangedNotice>(),
        PartitionedQueue.MessageExchange<PredictionResolvedNotice>(),
        PartitionedQueue.MessageExchange<PredictionDevelopmentLoggedNotice>(),
        PartitionedQueue.MessageExchange<PredictionProbabilityChangedNotice>());

    public static void Configure(IRegistrationContext context, IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        // One message at a time, in queue order. MassTransit's partitioner only excludes: messages
        // taken together from the prefetch reach it in any order, and a retry waits outside it while
        // the next message of the same prediction goes ahead; both broke per-prediction order.
        endpoint.ConcurrentMessageLimit = 1;
        endpoint.PrefetchCount = 16;
        // A message that fails on its own merits is retried briefly in memory (about 10 s; it holds the
        // partition meanwhile), then goes to the error queue. A database outage never gets here: the gate
        // holds the message until the database answers, however long that takes.
        endpoint.UseOutageGate(context);
        endpoint.ConfigureConsumer<PredictionCopyConsumer<PredictionSummary>>(context);
        endpoint.ConfigureConsumer<PredictionStatusChangedConsumer>(context);
        endpoint.ConfigureConsumer<PredictionResolvedConsumer>(context);
        endpoint.ConfigureConsumer<PredictionDevelopmentLoggedConsumer>(context);
        endpoint.ConfigureConsumer<PredictionProbabilityChangedConsumer>(context);
    }
}
