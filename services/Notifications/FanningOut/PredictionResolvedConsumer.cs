using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionResolvedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionResolved>
{
    public Task Consume(ConsumeContext<PredictionResolved> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
