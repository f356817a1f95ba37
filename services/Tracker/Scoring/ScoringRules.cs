namespace PolicyTracker.Tracker.Scoring;

/// <summary>One step of a probability path: the probability held from this time until the next step.</summary>
public readonly record struct PathStep(DateTimeOffset From, double Probability);

public sealed record CalibrationBin(double From, double To, int Count, double? MeanForecast, double? ObservedFrequency);

/// <summary>The scoring rules as pure functions: no store, no clock.</summary>
public static class ScoringRules
{
    public const int Bins = 10;

    /// <summary>Brier score (p - o)^2: 0 is perfect, 1 is certain and wrong.</summary>
    public static double Brier(double probability, bool happened) => Math.Pow(probability - (happened ? 1 : 0), 2);

    /// <summary>Natural-log score ln(p) if it happened, ln(1 - p) if not: 0 is perfect, more negative is worse.</summary>
    public static double LogScore(double probability, bool happened) => Math.Log(happened ? probability : 1 - probability);

    /// <summary>
    /// The Brier score averaged over real-world time from <paramref name="start"/> (when the forecast was
    /// made) to <paramref name="end"/> (the horizon or the resolution, whichever came first), as
    /// Metaculus scores a forecast over a question's open life. A step before the start counts from the
    /// start (hindsight: it was known when the forecast was made); steps must be in replay order.
    /// </summary>
    public static double TimeAveragedBrier(IReadOnlyList<PathStep> path, DateTimeOffset start, DateTimeOffset end, bool happened)
    {
        if (path.Count == 0)
        {
            throw new ArgumentException("A path has at least the forecast as made.", nameof(path));
        }
        double weighted = 0, total = 0;
        for (var i = 0; i < path.Count; i++)
        {
            var from = Max(path[i].From, start);
            var to = i + 1 < path.Count ? Max(path[i + 1].From, start) : end;
            var span = (Min(to, end) - from).TotalSeconds;
            if (span > 0)
            {
                weighted += span * Brier(path[i].Probability, happened);
                total += span;
            }
        }
        // A life of no length (resolved the moment it was made): the forecast as it then stood.
        return total > 0 ? weighted / total : Brier(ProbabilityAt(path, start), happened);
    }

    /// <summary>The probability in force at <paramref name="at"/>: the last step at or before it, else the first.</summary>
    public static double ProbabilityAt(IReadOnlyList<PathStep> path, DateTimeOffset at)
    {
        var probability = path[0].Probability;
        foreach (var step in path)
        {
            if (step.From <= at)
            {
                probability = step.Probability;
            }
        }
        return probability;
    }

    /// <summary>Ten bins of width 0.1 (the last includes 1.0): how often what was forecast at p happened.</summary>
    public static IReadOnlyList<CalibrationBin> Calibrate(IEnumerable<(double Forecast, bool Happened)> forecasts)
    {
        var all = forecasts.ToList();
        return Enumerable.Range(0, Bins).Select(i =>
        {
            var from = i / (double)Bins;
            var to = (i + 1) / (double)Bins;
            var inBin = all.Where(f => f.Forecast >= from && (f.Forecast < to || i == Bins - 1)).ToList();
            return new CalibrationBin(from, to, inBin.Count,
                inBin.Count == 0 ? null : inBin.Average(f => f.Forecast),
                inBin.Count == 0 ? null : inBin.Average(f => f.Happened ? 1.0 : 0.0));
        }).ToList();
    }

    public static double? Mean(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : present.Average();
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
