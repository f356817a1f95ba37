using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionStatusChangedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionStatusChangedNotice>
{
    public Task Consume(ConsumeContext<PredictionStatusChangedNotice> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
