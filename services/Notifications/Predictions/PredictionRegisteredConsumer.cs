using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.Predictions;

public sealed class PredictionRegisteredConsumer(IDocumentSession session) : IConsumer<PredictionRegisteredNotice>
{
    public async Task Consume(ConsumeContext<PredictionRegisteredNotice> context)
    {
        var m = context.Message;
        var known = await session.LoadAsync<PredictionSummary>(m.PredictionId, context.CancellationToken);
        // Events and the catalog may arrive in any order: keep the newest version.
        if (!PredictionCopies.Replaces(known, m.Version))
        {
            return;
        }
        session.Store(new PredictionSummary { Id = m.PredictionId, Title = m.Title, Tags = [.. m.Tags], Version = m.Version });
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
