namespace PolicyTracker.Contracts.Tracker;

/// <summary>
/// Command from Ingestion to the Tracker: append a development to one prediction's stream.
/// <see cref="DevelopmentId"/> is chosen by the sender (derived from statement and prediction),
/// so a redelivered command appends nothing.
/// </summary>
public record LogDevelopment(
    Guid DevelopmentId,
    string PredictionId,
    Guid? StatementId,
    string Summary,
    DateTimeOffset OccurredAt,
    Stance Stance,
    Strength Strength,
    string? Rationale,
    SourceReference? Source,
    string RecordedBy);
