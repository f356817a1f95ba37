using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionResolvedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionResolvedNotice>
{
    public Task Consume(ConsumeContext<PredictionResolvedNotice> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
