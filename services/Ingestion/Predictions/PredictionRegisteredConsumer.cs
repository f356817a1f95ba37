using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;

namespace PolicyTracker.Ingestion.Predictions;

public sealed class PredictionRegisteredConsumer(IDocumentSession session, SentenceEmbeddings embeddings) : IConsumer<PredictionRegistered>
{
    public async Task Consume(ConsumeContext<PredictionRegistered> context)
    {
        var message = context.Message;
        var known = await session.LoadAsync<KnownPrediction>(message.PredictionId, context.CancellationToken);
        // Redeliveries and messages overtaken by the start-up catalog carry a version we already hold.
        if (known is not null && known.Version >= message.Version)
        {
            return;
        }
        // Matchable from the first minute: the profile comes from the wording and search terms alone.
        session.Store(KnownPrediction.From(message).WithProfile(embeddings));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
