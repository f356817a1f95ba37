using Marten;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

/// <summary>
/// Which linked predictions Ingestion can vouch for: those it holds a copy of, and on a miss those the
/// Tracker says it knows (a prediction registered a moment ago whose notice has not arrived yet).
/// </summary>
public sealed class KnownPredictions(IDocumentStore store, PredictionCopyLookup<KnownPrediction> tracker)
{
    /// <summary>The ids among <paramref name="predictionIds"/> that neither Ingestion nor the Tracker knows.</summary>
    public async Task<HashSet<string>> UnknownAmongAsync(IEnumerable<string> predictionIds, CancellationToken cancellationToken)
    {
        var ids = predictionIds.Distinct().ToArray();
        if (ids.Length == 0)
        {
            return [];
        }
        HashSet<string> unknown;
        await using (var session = store.QuerySession())
        {
            unknown = [.. ids.Except((await session.LoadManyAsync<KnownPrediction>(cancellationToken, ids)).Select(k => k.Id))];
        }
        if (unknown.Count > 0)
        {
            unknown.ExceptWith(await tracker.FetchAsync(unknown, cancellationToken));
        }
        return unknown;
    }
}
