using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>What was measured for one (statement, prediction) pair before it becomes one score.</summary>
/// <param name="Semantic">Cosine of the statement's embedding with the prediction's profile (claim, title, topical phrases).</param>
/// <param name="TermHits">How many of the prediction's search terms occur in the statement (phrases, stemmed).</param>
/// <param name="Overlap">PostgreSQL's weighted rank of the statement's words in the prediction's text (title and terms A, claim B, criteria C).</param>
/// <param name="Pull">Mean cosine with the closest statements analysts linked to this prediction (0 when none yet).</param>
/// <param name="Push">Highest cosine with statements analysts dismissed when this prediction was suggested (0 when none).</param>
public sealed record MatchFeatures(string PredictionId, double Semantic, int TermHits, double Overlap, double Pull, double Push);

/// <summary>
/// One calibrated score in 0..1 for every pair, so one threshold means the same for every prediction:
/// a logistic model fitted on data/eval/matching.tsv (see the evaluation test), whose parts are kept for the analyst.
/// </summary>
public static class MatchScore
{
    // Logistic regression (Newton's method, light L2) on every (statement, prediction) pair of data/eval/matching.tsv,
    // with and without the history's developments as feedback: the log-odds that an analyst links the pair.
    // Four weights for ~2,600 pairs, so the fit describes the signals rather than memorising the set.
    private const double Bias = -9.022;
    private const double PerSemantic = 18.291;
    private const double PerHit = 0.631;
    private const double HitCap = 3;
    private const double PerOverlap = 11.561;

    public static Suggestion Score(MatchFeatures f)
    {
        var feedback = Feedback(f.Semantic, f.Pull, f.Push);
        var keywordOdds = PerHit * Math.Min(f.TermHits, HitCap) + PerOverlap * f.Overlap;
        var keywords = 1 - Math.Exp(-keywordOdds);
        var z = Bias + PerSemantic * (f.Semantic + feedback) + keywordOdds;
        var score = 1 / (1 + Math.Exp(-z));
        return new Suggestion(f.PredictionId, Math.Round(score, 4),
            new SuggestionWhy(Math.Round(keywords, 3), Math.Round(f.Semantic, 3), Math.Round(feedback, 3)));
    }

    /// <summary>
    /// Relevance feedback as a shift of the semantic similarity: a statement closer to what analysts linked than
    /// to the prediction's wording is pulled up to that closeness; one closer to a dismissed statement than to
    /// anything linked or worded is pushed down by the difference.
    /// </summary>
    public static double Feedback(double semantic, double pull, double push)
    {
        var positive = Math.Max(semantic, pull);
        var shift = Math.Max(0, pull - semantic) - Math.Max(0, push - positive);
        return Math.Clamp(shift, -1, 1);
    }

    /// <summary>Best first, above the threshold, at most a handful; ties broken by id so the order is stable.</summary>
    public static IReadOnlyList<Suggestion> Rank(IEnumerable<Suggestion> suggestions, MatchingOptions options) =>
        [.. suggestions
            .Where(s => s.Score >= options.Threshold)
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.PredictionId, StringComparer.Ordinal)
            .Take(options.MaxSuggestions)];
}
