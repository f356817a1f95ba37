namespace PolicyTracker.Contracts.Tracker;

// Integration events published by the Tracker from a Marten subscription. The MassTransit
// MessageId is the Marten event id and Version the stream version, so consumers can
// de-duplicate and keep per-prediction order.

public record PredictionRegistered(
    string PredictionId,
    long Version,
    string Title,
    string Claim,
    string ResolutionCriteria,
    DateTimeOffset Horizon,
    double Prior,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SearchTerms,
    PredictionStatus Status,
    DateTimeOffset RecordedAt,
    string RecordedBy);

public record PredictionReworded(
    string PredictionId,
    long Version,
    string Title,
    string Claim,
    string ResolutionCriteria,
    DateTimeOffset RecordedAt,
    string RecordedBy);

public record PredictionDevelopmentLogged(
    string PredictionId,
    long Version,
    string Title,
    Guid DevelopmentId,
    Guid? StatementId,
    string Summary,
    Stance Stance,
    Strength Strength,
    double Probability,
    PredictionStatus Status,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    string RecordedBy);

public record PredictionProbabilityChanged(
    string PredictionId,
    long Version,
    string Title,
    double PreviousProbability,
    double Probability,
    ChangeCause Cause,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    string RecordedBy);

public record PredictionStatusChanged(
    string PredictionId,
    long Version,
    string Title,
    PredictionStatus From,
    PredictionStatus To,
    double PreviousProbability,
    double Probability,
    ChangeCause Cause,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    string RecordedBy);

public record PredictionResolved(
    string PredictionId,
    long Version,
    string Title,
    Outcome Outcome,
    string Rationale,
    double Probability,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    string RecordedBy);

/// <summary>
/// Request for the Tracker's current list of predictions. Services that keep a local read model of
/// predictions send it at start-up: their queues may not have existed when the Tracker published.
/// </summary>
public record GetPredictionCatalog(DateTimeOffset RequestedAt);

public record PredictionCatalog(IReadOnlyList<PredictionCatalogEntry> Predictions);

public record PredictionCatalogEntry(
    string PredictionId,
    long Version,
    string Title,
    string Claim,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SearchTerms,
    PredictionStatus Status,
    double Probability);
