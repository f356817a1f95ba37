using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

public sealed class PredictionRewordedConsumer(IDocumentSession session) : IConsumer<PredictionRewordedNotice>
{
    public async Task Consume(ConsumeContext<PredictionRewordedNotice> context)
    {
        var message = context.Message;
        var known = await session.LoadAsync<KnownPrediction>(message.PredictionId, context.CancellationToken);
        if (!PredictionCopies.Updates(known, message.Version))
        {
            return;
        }
        known!.Version = message.Version;
        known.Title = message.Title;
        known.Claim = message.Claim;
        session.Store(known);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
