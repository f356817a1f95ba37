using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Every tracker event Notifications consumes arrives on one queue and is processed in order per
/// prediction (a partition per prediction id), so a prediction's deliveries are created in stream
/// order and the worker sends them in that order.
/// </summary>
public static class PredictionEventsEndpoint
{
    public const string Name = "notifications-prediction-events";
    private const int Partitions = 16;

    public static void Configure(IReceiveEndpointConfigurator endpoint)
    {
        endpoint.UsePartitioner(Partitions, (ConsumeContext context) => PredictionIdOf(context));
        // Long enough to ride out a short PostgreSQL outage: a message that exhausts these goes to the
        // error queue, and RabbitMQ here has no delayed-redelivery plugin to wait longer outside memory.
        endpoint.UseMessageRetry(r => r.Exponential(12, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)));
    }

    private static string PredictionIdOf(ConsumeContext context) =>
        context.TryGetMessage<PredictionStatusChangedNotice>(out var statusChanged) ? statusChanged.Message.PredictionId
        : context.TryGetMessage<PredictionDevelopmentLoggedNotice>(out var developmentLogged) ? developmentLogged.Message.PredictionId
        : context.TryGetMessage<PredictionProbabilityChangedNotice>(out var probabilityChanged) ? probabilityChanged.Message.PredictionId
        : context.TryGetMessage<PredictionResolvedNotice>(out var resolved) ? resolved.Message.PredictionId
        : context.TryGetMessage<PredictionRegisteredNotice>(out var registered) ? registered.Message.PredictionId
        : context.TryGetMessage<PredictionRewordedNotice>(out var reworded) ? reworded.Message.PredictionId
        : context.MessageId?.ToString() ?? "";
}

public sealed class PredictionEventConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public PredictionEventConsumerDefinition() => EndpointName = PredictionEventsEndpoint.Name;
}
