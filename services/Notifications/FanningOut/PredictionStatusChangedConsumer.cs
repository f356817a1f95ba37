using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionStatusChangedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionStatusChanged>
{
    public Task Consume(ConsumeContext<PredictionStatusChanged> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
