using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;

namespace PolicyTracker.Ingestion.Predictions;

public sealed class PredictionRewordedConsumer(IDocumentSession session, SentenceEmbeddings embeddings) : IConsumer<PredictionReworded>
{
    public async Task Consume(ConsumeContext<PredictionReworded> context)
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
        known.ResolutionCriteria = message.ResolutionCriteria;
        session.Store(known.WithProfile(embeddings));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
