using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>
/// Every development the Tracker logs (linked in triage, logged by hand, imported from history) teaches the
/// matcher what belongs to that prediction: its summary becomes a linked example.
/// </summary>
public sealed class DevelopmentLoggedConsumer(IDocumentSession session, SentenceEmbeddings embeddings, TimeProvider clock) : IConsumer<PredictionDevelopmentLoggedNotice>
{
    public async Task Consume(ConsumeContext<PredictionDevelopmentLoggedNotice> context)
    {
        var message = context.Message;
        if (string.IsNullOrWhiteSpace(message.Summary))
        {
            return;
        }
        session.Store(new FeedbackExample
        {
            Id = FeedbackExample.LinkedId(message.DevelopmentId),
            PredictionId = message.PredictionId,
            Sign = 1,
            Vector = embeddings.Encode(message.Summary),
            RecordedAt = clock.GetUtcNow(),
        });
        await session.SaveChangesAsync(context.CancellationToken);
    }
}
