using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionProbabilityChangedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionProbabilityChanged>
{
    public Task Consume(ConsumeContext<PredictionProbabilityChanged> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
