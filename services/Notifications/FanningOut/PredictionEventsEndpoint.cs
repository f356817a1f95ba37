using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Every tracker event Notifications consumes arrives on one queue, in each prediction's stream order
/// (the Tracker publishes a prediction's messages one after another), and is processed one message at
/// a time in that order, so a prediction's deliveries are created in stream order and the worker sends
/// them in that order. Across instances the queue will be split into single-active-consumer partitions
/// (see the README, "Order").
/// </summary>
public static class PredictionEventsEndpoint
{
    public const string Name = "notifications-prediction-events";

    public static void Configure(IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        // One message at a time, in queue order. MassTransit's partitioner only excludes: messages
        // taken together from the prefetch reach it in any order, and a retry waits outside it while
        // the next message of the same prediction goes ahead; both broke per-prediction order.
        endpoint.ConcurrentMessageLimit = 1;
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = 16;
        }
        // A message that fails on its own merits is retried briefly in memory (about 10 s; it holds the
        // queue meanwhile), then goes to the error queue. A database outage never gets here: the gate
        // holds the message until the database answers, however long that takes.
        endpoint.UseOutageGate(context);
    }
}

public sealed class PredictionEventConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public PredictionEventConsumerDefinition() => EndpointName = PredictionEventsEndpoint.Name;
}
