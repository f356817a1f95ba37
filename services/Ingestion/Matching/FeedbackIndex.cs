using System.Collections.Concurrent;
using Marten;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>
/// The feedback examples held in memory for matching, read from the database incrementally: each refresh
/// reads only examples recorded since the last one (with a margin for transactions that committed late), so
/// every instance of Ingestion sees what any of them stored, without a retraining job.
/// </summary>
public sealed class FeedbackIndex(TimeProvider clock)
{
    private static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, FeedbackExample> _examples = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private DateTimeOffset _since = DateTimeOffset.MinValue;

    public async Task<IReadOnlyDictionary<string, PredictionFeedback>> CurrentAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var started = clock.GetUtcNow();
            await using var session = store.QuerySession();
            var since = _since;
            var fresh = await session.Query<FeedbackExample>().Where(e => e.RecordedAt >= since).ToListAsync(cancellationToken);
            foreach (var example in fresh)
            {
                _examples[example.Id] = example;
            }
            _since = started - Overlap;
        }
        finally
        {
            _refresh.Release();
        }
        return _examples.Values
            .GroupBy(e => e.PredictionId)
            .ToDictionary(g => g.Key, g => new PredictionFeedback(
                [.. g.Where(e => e.Sign > 0).Select(e => e.Vector)],
                [.. g.Where(e => e.Sign < 0).Select(e => e.Vector)]));
    }
}

public sealed record PredictionFeedback(IReadOnlyList<float[]> Linked, IReadOnlyList<float[]> Dismissed)
{
    private const int Neighbours = 3;

    /// <summary>Mean cosine with the few closest linked texts: one odd link should not pull alone.</summary>
    public double Pull(float[] statement)
    {
        if (Linked.Count == 0)
        {
            return 0;
        }
        var closest = Linked.Select(v => SentenceEmbeddings.Cosine(statement, v)).OrderDescending().Take(Neighbours).ToList();
        return closest.Average();
    }

    /// <summary>The closest linked text alone: a statement that retells one development closely is strong evidence.</summary>
    public double PullBest(float[] statement) =>
        Linked.Count == 0 ? 0 : Linked.Max(v => SentenceEmbeddings.Cosine(statement, v));

    public double Push(float[] statement) =>
        Dismissed.Count == 0 ? 0 : Dismissed.Max(v => SentenceEmbeddings.Cosine(statement, v));
}
