using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionDevelopmentLoggedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionDevelopmentLoggedNotice>
{
    public Task Consume(ConsumeContext<PredictionDevelopmentLoggedNotice> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
