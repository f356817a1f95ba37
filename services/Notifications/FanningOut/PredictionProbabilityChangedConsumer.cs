using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.FanningOut;

public sealed class PredictionProbabilityChangedConsumer(DeliveryFanOut fanOut) : IConsumer<PredictionProbabilityChangedNotice>
{
    public Task Consume(ConsumeContext<PredictionProbabilityChangedNotice> context) =>
        fanOut.HandleProbabilityChangeAsync(context);
}
