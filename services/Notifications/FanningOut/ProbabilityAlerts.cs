using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.FanningOut;

public enum CrossingDirection
{
    Up,
    Down,
}

public sealed record Crossing(double Threshold, CrossingDirection Direction);

/// <summary>
/// What one probability move means for one subscription: whether it hears probability-changed, the
/// thresholds it crossed, and the probability to measure the next change from (null: nothing to remember).
/// </summary>
public sealed record ProbabilityDecision(bool Changed, IReadOnlyList<Crossing> Crossings, double? Baseline);

/// <summary>The threshold-alert rules (issue 13, item 3), free of I/O so they are tested as a table.</summary>
public static class ProbabilityAlerts
{
    /// <summary>
    /// Probabilities are computed in binary floating point: 0.6 - 0.5 is 0.0999…98, and a probability
    /// meant to be 0.3 may be 0.30000000000000004. Differences this small count as equal.
    /// </summary>
    public const double Tolerance = 1e-9;

    /// <param name="filter">The subscription's filter (which events it hears, its thresholds and minimum change).</param>
    /// <param name="baseline">The probability this subscription last heard probability-changed at for this prediction, if it is remembered.</param>
    /// <param name="previous">The probability before the move.</param>
    /// <param name="current">The probability after it.</param>
    public static ProbabilityDecision Decide(SubscriptionFilter filter, double? baseline, double previous, double current)
    {
        var crossings = filter.Events.Contains(NotificationEventTypes.ProbabilityCrossed)
            ? Crossings(filter.ProbabilityCrosses ?? [], previous, current)
            : [];
        if (!filter.Events.Contains(NotificationEventTypes.ProbabilityChanged))
        {
            return new ProbabilityDecision(false, crossings, null);
        }
        if (filter.MinProbabilityChange is not { } minimum)
        {
            return new ProbabilityDecision(true, crossings, null);
        }
        var (changed, next) = Change(minimum, baseline, previous, current);
        return new ProbabilityDecision(changed, crossings, next);
    }

    /// <summary>
    /// With a minimum change, probability-changed goes out once the probability is at least that far from
    /// where it was when this subscription last heard one. Before the first, the measure starts at the
    /// probability before the first move it sees, so many small moves add up rather than each starting afresh.
    /// </summary>
    public static (bool Alert, double Baseline) Change(double minimum, double? baseline, double previous, double current)
    {
        var from = baseline ?? previous;
        return Math.Abs(current - from) >= minimum - Tolerance ? (true, current) : (false, from);
    }

    /// <summary>
    /// The thresholds a move from <paramref name="previous"/> to <paramref name="current"/> crossed, in the
    /// order the probability passed them. A probability at a threshold counts as above it, so reaching 0.5
    /// from below crosses 0.5 upward once, and going on from 0.5 to 0.6 crosses nothing more.
    /// </summary>
    public static IReadOnlyList<Crossing> Crossings(IReadOnlyList<double> thresholds, double previous, double current)
    {
        static bool Above(double probability, double threshold) => probability >= threshold - Tolerance;
        if (current > previous)
        {
            return [.. thresholds.Where(t => !Above(previous, t) && Above(current, t)).Order().Select(t => new Crossing(t, CrossingDirection.Up))];
        }
        if (current < previous)
        {
            return [.. thresholds.Where(t => Above(previous, t) && !Above(current, t)).OrderDescending().Select(t => new Crossing(t, CrossingDirection.Down))];
        }
        return [];
    }
}
