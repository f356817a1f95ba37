using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionDevelopmentLoggedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionDevelopmentLogged>
{
    public Task Consume(ConsumeContext<PredictionDevelopmentLogged> context) =>
        fanOut.HandleAsync(context, eventId => Notice.Of(eventId, context.Message));
}
