using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.Predictions;

public sealed class PredictionRewordedConsumer(IDocumentSession session) : IConsumer<PredictionRewordedNotice>
{
    public async Task Consume(ConsumeContext<PredictionRewordedNotice> context)
    {
        var m = context.Message;
        var known = await session.LoadAsync<PredictionSummary>(m.PredictionId, context.CancellationToken);
        if (!PredictionCopies.Updates(known, m.Version))
        {
            return;
        }
        known!.Title = m.Title;
        known.Version = m.Version;
        session.Store(known);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
