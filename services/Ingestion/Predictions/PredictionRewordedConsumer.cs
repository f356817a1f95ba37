using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Ingestion.Predictions;

public sealed class PredictionRewordedConsumer(IDocumentSession session) : IConsumer<PredictionRewordedNotice>
{
    public async Task Consume(ConsumeContext<PredictionRewordedNotice> context)
    {
        var message = context.Message;
        var known = await session.LoadAsync<KnownPrediction>(message.PredictionId, context.CancellationToken);
        // Without the registration there are no search terms to keep; the start-up catalog brings the whole prediction.
        if (known is null || known.Version >= message.Version)
        {
            return;
        }
        known.Version = message.Version;
        known.Title = message.Title;
        known.Claim = message.Claim;
        session.Store(known);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
