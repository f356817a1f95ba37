using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Tests.Support;

namespace PolicyTracker.Ingestion.Tests.Evaluation;

/// <summary>
/// Fits <see cref="MatchScore"/>'s logistic model on the evaluation set and, more to the point, cross-validates it:
/// the figures that count are those of statements scored by a model that never saw them.
/// </summary>
public static class MatchingCalibration
{
    public const int Folds = 10;
    private const double Ridge = 1.0;

    /// <summary>Logistic regression by Newton's method with a light L2 penalty on the weights (not the bias).</summary>
    public static (double Bias, double[] Weights) Fit(IReadOnlyList<(double[] X, bool Linked)> pairs)
    {
        var d = pairs[0].X.Length + 1;
        var beta = new double[d];
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var gradient = new double[d];
            var hessian = new double[d, d];
            foreach (var (x, linked) in pairs)
            {
                double[] row = [1, .. x];
                var z = 0.0;
                for (var k = 0; k < d; k++)
                {
                    z += beta[k] * row[k];
                }
                var p = MatchScore.Logistic(z);
                for (var k = 0; k < d; k++)
                {
                    gradient[k] += (p - (linked ? 1 : 0)) * row[k];
                    for (var l = 0; l < d; l++)
                    {
                        hessian[k, l] += p * (1 - p) * row[k] * row[l];
                    }
                }
            }
            for (var k = 1; k < d; k++)
            {
                gradient[k] += Ridge * beta[k];
                hessian[k, k] += Ridge;
            }
            var step = Solve(hessian, gradient);
            for (var k = 0; k < d; k++)
            {
                beta[k] -= step[k];
            }
            if (step.Max(Math.Abs) < 1e-7)
            {
                break;
            }
        }
        return (beta[0], beta[1..]);
    }

    /// <summary>The pairs of the given statements, measured with and without feedback, as the model's inputs.</summary>
    public static List<(double[] X, bool Linked)> Pairs(IReadOnlyList<RepositoryData.Labelled> set, IEnumerable<int> statements, params IReadOnlyList<MatchFeatures>[][] measurements) =>
        [.. statements.SelectMany(i => measurements.SelectMany(m => m[i]).Select(f => (MatchScore.Inputs(f), f.PredictionId == set[i].Label)))];

    /// <summary>
    /// Fold of each statement: every tenth in file order, so the folds are fixed (no randomness, no flakiness) and
    /// each mixes topics and unrelated statements.
    /// </summary>
    public static int FoldOf(int statement) => statement % Folds;

    /// <summary>Per fold, a model fitted on the other nine folds' pairs (both measurements); each statement is scored by its fold's model.</summary>
    public static (double Bias, double[] Weights)[] CrossValidatedModels(IReadOnlyList<RepositoryData.Labelled> set, params IReadOnlyList<MatchFeatures>[][] measurements) =>
        [.. Enumerable.Range(0, Folds).Select(fold =>
            Fit(Pairs(set, Enumerable.Range(0, set.Count).Where(i => FoldOf(i) != fold), measurements)))];

    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var pivot = Enumerable.Range(c, n - c).MaxBy(r => Math.Abs(m[r, c]));
            for (var k = 0; k < n; k++)
            {
                (m[c, k], m[pivot, k]) = (m[pivot, k], m[c, k]);
            }
            (x[c], x[pivot]) = (x[pivot], x[c]);
            for (var r = c + 1; r < n; r++)
            {
                var factor = m[r, c] / m[c, c];
                for (var k = c; k < n; k++)
                {
                    m[r, k] -= factor * m[c, k];
                }
                x[r] -= factor * x[c];
            }
        }
        for (var r = n - 1; r >= 0; r--)
        {
            for (var k = r + 1; k < n; k++)
            {
                x[r] -= m[r, k] * x[k];
            }
            x[r] /= m[r, r];
        }
        return x;
    }
}
