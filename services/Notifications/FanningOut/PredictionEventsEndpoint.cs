using MassTransit;
using MassTransit.Middleware;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.PausingOnOutage;

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

    public static void Configure(IReceiveEndpointConfigurator endpoint, ConsumptionGate gate)
    {
        endpoint.ConnectReceiveEndpointObserver(gate);
        endpoint.UsePartitioner(Partitions, (ConsumeContext context) => PredictionIdOf(context));
        // A message that fails on its own merits (not a database outage) is retried in memory, then
        // goes to the error queue.
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<Exception>(DatabaseOutage.IsOutage);
            r.Exponential(12, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500));
        });
        // A database blip (a restart's dropped connections) is ridden out in memory; a longer outage
        // stops the endpoint (the gate) and returns the message to the queue instead of `_error`.
        endpoint.UseMessageRetry(r =>
        {
            r.Handle<Exception>(DatabaseOutage.IsOutage);
            r.Interval(5, TimeSpan.FromSeconds(1));
        });
        endpoint.ConfigureError(e =>
        {
            e.UseFilter(new RequeueOnOutageFilter());
            e.UseFilter(new GenerateFaultFilter());
            e.UseFilter(new ErrorTransportFilter());
        });
        endpoint.UseFilter(new OutageObservingFilter(gate));
    }

    private static string PredictionIdOf(ConsumeContext context) =>
        context.TryGetMessage<PredictionStatusChanged>(out var statusChanged) ? statusChanged.Message.PredictionId
        : context.TryGetMessage<PredictionDevelopmentLogged>(out var developmentLogged) ? developmentLogged.Message.PredictionId
        : context.TryGetMessage<PredictionProbabilityChanged>(out var probabilityChanged) ? probabilityChanged.Message.PredictionId
        : context.TryGetMessage<PredictionResolved>(out var resolved) ? resolved.Message.PredictionId
        : context.TryGetMessage<PredictionRegistered>(out var registered) ? registered.Message.PredictionId
        : context.TryGetMessage<PredictionReworded>(out var reworded) ? reworded.Message.PredictionId
        : context.MessageId?.ToString() ?? "";
}

public sealed class PredictionEventConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    public PredictionEventConsumerDefinition() => EndpointName = PredictionEventsEndpoint.Name;
}
