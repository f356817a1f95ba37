using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>What was measured for one (statement, prediction) pair before it becomes one score.</summary>
/// <param name="Semantic">Cosine of the statement's embedding with the prediction's profile (claim, title, search terms averaged).</param>
/// <param name="TermHits">How many of the prediction's search terms occur in the statement (phrases, stemmed).</param>
/// <param name="Overlap">PostgreSQL's weighted rank of the statement's words in the prediction's text (title and terms A, claim B, criteria C).</param>
/// <param name="Pull">Mean cosine with the closest statements analysts linked to this prediction (0 when none yet).</param>
/// <param name="Push">Highest cosine with statements analysts dismissed when this prediction was suggested (0 when none).</param>
/// <param name="SemanticBest">Highest cosine with any one of the prediction's texts (claim, title, criteria, each search term).</param>
/// <param name="SemanticTop2">Mean of the two highest of those cosines.</param>
/// <param name="PullBest">Highest cosine with any one statement analysts linked to this prediction (0 when none).</param>
public sealed record MatchFeatures(
    string PredictionId, double Semantic, int TermHits, double Overlap, double Pull, double Push,
    double SemanticBest = 0, double SemanticTop2 = 0, double PullBest = 0);

/// <summary>
/// One calibrated score in 0..1 for every pair, so one threshold means the same for every prediction:
/// a logistic model of the chance that an analyst links the pair, whose parts are kept for the analyst.
/// </summary>
public static class MatchScore
{
    /// <summary>The model's inputs, in the order of <see cref="Weights"/> (the evaluation test fits and cross-validates on these).</summary>
    /// <remarks>
    /// What analysts linked counts as more texts of the prediction: the closest text is the closest of the
    /// prediction's own texts and its linked statements, so one model serves predictions with and without feedback.
    /// </remarks>
    public static double[] Inputs(MatchFeatures f) =>
        [f.Semantic, Math.Max(f.SemanticBest, f.PullBest), Math.Max(f.SemanticTop2, f.Pull), Math.Min(f.TermHits, HitCap), f.Overlap];

    public static readonly string[] InputNames = ["semantic", "closestText", "closeTexts", "hits", "overlap"];

    // Logistic regression (Newton's method, light L2) on every (statement, prediction) pair of data/eval/matching.tsv,
    // with and without the history's developments as feedback (PT_MATCHING_FIT=1 in the evaluation test prints it).
    // Five weights for ~2,600 pairs; the evaluation test reports a 10-fold cross-validation of this fit, each
    // statement scored by a model fitted without it, next to the figures of these constants.
    public const double Bias = -7.274;
    public static readonly double[] Weights = [5.280, 4.629, 3.260, 1.177, 1.516];
    private const double HitCap = 3;

    public static Suggestion Score(MatchFeatures f) => Score(f, Bias, Weights);

    public static Suggestion Score(MatchFeatures f, double bias, IReadOnlyList<double> weights)
    {
        var inputs = Inputs(f);
        var semanticWeight = weights[0] + weights[1] + weights[2];
        // Dismissals cannot be fitted (the set has none): a statement closer to a dismissed one than to anything
        // worded or linked loses that much semantic evidence.
        var push = Math.Max(0, f.Push - Math.Max(Math.Max(f.Semantic, f.SemanticBest), Math.Max(f.Pull, f.PullBest)));
        double[] wordingOnly = [f.Semantic, f.SemanticBest, f.SemanticTop2, inputs[3], inputs[4]];
        double wording = bias, total = bias - semanticWeight * push;
        for (var k = 0; k < inputs.Length; k++)
        {
            wording += weights[k] * wordingOnly[k];
            total += weights[k] * inputs[k];
        }
        var score = Logistic(total);
        var keywordOdds = weights[3] * inputs[3] + weights[4] * inputs[4];
        return new Suggestion(f.PredictionId, Math.Round(score, 4),
            new SuggestionWhy(
                Math.Round(1 - Math.Exp(-keywordOdds), 3),
                Math.Round(Math.Max(f.Semantic, f.SemanticBest), 3),
                // What analysts' links and dismissals moved the score by (0 with none).
                Math.Round(score - Logistic(wording), 3)));
    }

    public static double Logistic(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Best first, above the threshold, at most a handful; ties broken by id so the order is stable.</summary>
    public static IReadOnlyList<Suggestion> Rank(IEnumerable<Suggestion> suggestions, MatchingOptions options) =>
        [.. suggestions
            .Where(s => s.Score >= options.Threshold)
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.PredictionId, StringComparer.Ordinal)
            .Take(options.MaxSuggestions)];
}
