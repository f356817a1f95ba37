using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.LoggingDevelopment;

/// <summary>A development to log, whether it came over HTTP or as Ingestion's LogDevelopment command.</summary>
public sealed record DevelopmentToLog(
    Guid DevelopmentId,
    Guid? StatementId,
    string Summary,
    DateTimeOffset OccurredAt,
    Stance Stance,
    Strength Strength,
    string? Rationale,
    SourceReference? Source,
    string RecordedBy);

public static class Logging
{
    /// <summary>
    /// Shifts the probability in log-odds; when the band moves, StatusChanged goes with it so both
    /// commit in the same transaction. Overdue and resolved predictions keep their status.
    /// </summary>
    public static IReadOnlyList<object> Decide(Prediction state, DevelopmentToLog development)
    {
        var probability = ProbabilityRules.Shift(state.Probability, development.Stance, development.Strength);
        var status = ProbabilityRules.NextStatus(state.Status, probability);
        var logged = new DevelopmentLogged(state.Id, development.DevelopmentId, development.StatementId, development.Summary,
            development.Stance, development.Strength, development.Rationale, development.Source,
            state.Probability, probability, status, development.RecordedBy, development.OccurredAt);
        return status == state.Status
            ? [logged]
            : [logged, new StatusChanged(state.Id, state.Status, status, state.Probability, probability, "development-logged",
                development.DevelopmentId, development.Summary, development.RecordedBy, development.OccurredAt)];
    }
}
