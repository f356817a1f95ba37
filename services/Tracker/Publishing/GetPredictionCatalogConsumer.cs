using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.Publishing;

/// <summary>Answers services that build a local read model of predictions, at start-up or for a prediction they have not heard of yet.</summary>
public sealed class GetPredictionCatalogConsumer(IQuerySession session) : IConsumer<GetPredictionCatalog>
{
    public async Task Consume(ConsumeContext<GetPredictionCatalog> context)
    {
        var query = session.Query<Prediction>();
        var predictions = context.Message.PredictionIds is { } ids
            ? await query.Where(p => p.Id.IsOneOf(ids.ToArray())).OrderBy(p => p.Id).ToListAsync(context.CancellationToken)
            : await query.OrderBy(p => p.Id).ToListAsync(context.CancellationToken);
        await context.RespondAsync(new PredictionCatalog(predictions
            .Select(p => new PredictionCatalogEntry(p.Id, p.Version, p.Title, p.Claim, p.Tags, p.SearchTerms, p.Status, p.Probability, p.ResolutionCriteria))
            .ToList()));
    }
}
