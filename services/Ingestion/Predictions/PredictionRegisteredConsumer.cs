using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

public sealed class PredictionRegisteredConsumer(IDocumentSession session) : IConsumer<PredictionRegisteredNotice>
{
    public async Task Consume(ConsumeContext<PredictionRegisteredNotice> context)
    {
        var message = context.Message;
        var known = await session.LoadAsync<KnownPrediction>(message.PredictionId, context.CancellationToken);
        // Redeliveries and messages overtaken by the start-up catalog carry a version we already hold.
        if (!PredictionCopies.Replaces(known, message.Version))
        {
            return;
        }
        session.Store(KnownPrediction.From(message));
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
