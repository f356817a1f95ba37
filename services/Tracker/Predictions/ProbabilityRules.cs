using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>The status rules of architecture.md as pure functions.</summary>
public static class ProbabilityRules
{
    public const double Minimum = 0.01;
    public const double Maximum = 0.99;
    public const double LikelyFrom = 0.65;
    public const double UnlikelyUpTo = 0.35;
    public const double Hysteresis = 0.02;

    // Probabilities are doubles; a boundary hit exactly (0.63 after rounding noise) must count as crossed.
    private const double Tolerance = 1e-9;

    public static double Weight(Strength strength) => strength switch
    {
        Strength.Weak => 0.2,
        Strength.Moderate => 0.5,
        Strength.Strong => 1.0,
        Strength.Decisive => 2.5,
        _ => throw new ArgumentOutOfRangeException(nameof(strength)),
    };

    public static int Sign(Stance stance) => stance switch
    {
        Stance.Supports => 1,
        Stance.Undermines => -1,
        Stance.Neutral => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(stance)),
    };

    /// <summary>logit(p') = logit(p) + s * w, clamped to [0.01, 0.99].</summary>
    public static double Shift(double probability, Stance stance, Strength strength)
    {
        var logit = Math.Log(probability / (1 - probability)) + Sign(stance) * Weight(strength);
        return Clamp(1 / (1 + Math.Exp(-logit)));
    }

    public static double Clamp(double probability) => Math.Clamp(probability, Minimum, Maximum);

    /// <summary>The band of a probability with no history: the initial status from the prior.</summary>
    public static PredictionStatus Band(double probability) =>
        probability >= LikelyFrom - Tolerance ? PredictionStatus.Likely
        : probability <= UnlikelyUpTo + Tolerance ? PredictionStatus.Unlikely
        : PredictionStatus.Uncertain;

    public static bool IsOpen(PredictionStatus status) =>
        status is PredictionStatus.Likely or PredictionStatus.Uncertain or PredictionStatus.Unlikely;

    /// <summary>
    /// The next status given the current one: a band is left only when p crosses the boundary by at
    /// least 0.02, and every boundary crossed on the way must be crossed by that margin (likely at
    /// p = 0.34 goes to uncertain, not unlikely). Overdue and terminal statuses are not bands: they stay.
    /// </summary>
    public static PredictionStatus NextStatus(PredictionStatus current, double probability)
    {
        if (!IsOpen(current))
        {
            return current;
        }
        var intoLikely = probability >= LikelyFrom + Hysteresis - Tolerance;
        var intoUnlikely = probability <= UnlikelyUpTo - Hysteresis + Tolerance;
        return current switch
        {
            PredictionStatus.Likely when intoUnlikely => PredictionStatus.Unlikely,
            PredictionStatus.Likely when probability <= LikelyFrom - Hysteresis + Tolerance => PredictionStatus.Uncertain,
            PredictionStatus.Likely => PredictionStatus.Likely,
            PredictionStatus.Unlikely when intoLikely => PredictionStatus.Likely,
            PredictionStatus.Unlikely when probability >= UnlikelyUpTo + Hysteresis - Tolerance => PredictionStatus.Uncertain,
            PredictionStatus.Unlikely => PredictionStatus.Unlikely,
            _ when intoLikely => PredictionStatus.Likely,
            _ when intoUnlikely => PredictionStatus.Unlikely,
            _ => PredictionStatus.Uncertain,
        };
    }

    /// <summary>
    /// Replays the probability from the prior through what moves it (developments shift, revisions
    /// set), skipping retracted developments: a retraction is the replay without the development.
    /// </summary>
    public static double Replay(double prior, IEnumerable<object> events, IReadOnlySet<Guid> retracted)
    {
        var probability = prior;
        foreach (var @event in events)
        {
            probability = @event switch
            {
                DevelopmentLogged d when !retracted.Contains(d.DevelopmentId) => Shift(probability, d.Stance, d.Strength),
                ProbabilityRevised r => r.Probability,
                _ => probability,
            };
        }
        return probability;
    }

    public static PredictionStatus StatusOf(Outcome outcome) => outcome switch
    {
        Outcome.Confirmed => PredictionStatus.Confirmed,
        Outcome.Refuted => PredictionStatus.Refuted,
        _ => PredictionStatus.Void,
    };
}
