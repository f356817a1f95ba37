using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.Predictions;

public sealed class PredictionRewordedConsumer(IDocumentSession session) : IConsumer<PredictionRewordedNotice>
{
    public async Task Consume(ConsumeContext<PredictionRewordedNotice> context)
    {
        var m = context.Message;
        var known = await session.LoadAsync<PredictionSummary>(m.PredictionId, context.CancellationToken);
        if (known is not null && known.Version >= m.Version)
        {
            return;
        }
        session.Store(new PredictionSummary { Id = m.PredictionId, Title = m.Title, Tags = known?.Tags ?? [], Version = m.Version });
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
