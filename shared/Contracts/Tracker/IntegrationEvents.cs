namespace PolicyTracker.Contracts.Tracker;

// Integration events published by the Tracker from a Marten subscription. The MassTransit
// MessageId is the Marten event id and Version the stream version, so consumers can
// de-duplicate and keep per-prediction order. Their names end in Notice so they never share a name
// with the Tracker's domain events (PredictionRegistered the event, PredictionRegisteredNotice the message).

/// <summary>
/// Every notice about one prediction's stream. A consumer that must keep a prediction's order across
/// notice types (Notifications' fan-out) consumes this one type, in batches, instead of each notice type apart.
/// </summary>
public interface IPredictionNotice
{
    string PredictionId { get; }
    long Version { get; }
}

public record PredictionRegisteredNotice(
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
    string RecordedBy,
    DateTimeOffset? MadeAt = null) : IPredictionNotice;

public record PredictionRewordedNotice(
    string PredictionId,
    long Version,
    string Title,
    string Claim,
    string ResolutionCriteria,
    DateTimeOffset RecordedAt,
    string RecordedBy) : IPredictionNotice;

public record PredictionDevelopmentLoggedNotice(
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
    string RecordedBy) : IPredictionNotice;

public record PredictionProbabilityChangedNotice(
    string PredictionId,
    long Version,
    string Title,
    double PreviousProbability,
    double Probability,
    ChangeCause Cause,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    string RecordedBy) : IPredictionNotice;

public record PredictionStatusChangedNotice(
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
    string RecordedBy) : IPredictionNotice;

public record PredictionResolvedNotice(
    string PredictionId,
    long Version,
    string Title,
    Outcome Outcome,
    string Rationale,
    double Probability,
    DateTimeOffset EffectiveAt,
    DateTimeOffset RecordedAt,
    string RecordedBy) : IPredictionNotice;

/// <summary>
/// Request for the Tracker's current list of predictions. Services that keep a local read model of
/// predictions send it at start-up: their queues may not have existed when the Tracker published.
/// With <paramref name="PredictionIds"/>, only those predictions (the ones a service was just asked
/// about and has not heard of yet: a registration's notice may still be on its way).
/// </summary>
public record GetPredictionCatalog(DateTimeOffset RequestedAt, IReadOnlyList<string>? PredictionIds = null);

public record PredictionCatalog(IReadOnlyList<PredictionCatalogEntry> Predictions);

public record PredictionCatalogEntry(
    string PredictionId,
    long Version,
    string Title,
    string Claim,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SearchTerms,
    PredictionStatus Status,
    double Probability,
    string ResolutionCriteria = "");
