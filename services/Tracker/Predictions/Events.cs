using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Tracker.Predictions;

// The events of a prediction stream (architecture.md). Each carries who recorded it and when it took
// effect in the world; Marten's own timestamp is when it was recorded. Probabilities and statuses
// after the event are stored on it so an auditor reads the history without re-running the rules.

public record PredictionSource(string Title, string Author, string Quote);

public interface IPredictionEvent
{
    string PredictionId { get; }
    string RecordedBy { get; }
    DateTimeOffset EffectiveAt { get; }
}

public record PredictionRegistered(
    string PredictionId,
    string Title,
    string Claim,
    string ResolutionCriteria,
    DateTimeOffset Horizon,
    double Prior,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SearchTerms,
    PredictionSource Source,
    PredictionStatus Status,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record PredictionReworded(
    string PredictionId,
    string Title,
    string Claim,
    string ResolutionCriteria,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record DevelopmentLogged(
    string PredictionId,
    Guid DevelopmentId,
    Guid? StatementId,
    string Summary,
    Stance Stance,
    Strength Strength,
    string? Rationale,
    SourceReference? Source,
    double PreviousProbability,
    double Probability,
    PredictionStatus Status,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record DevelopmentRetracted(
    string PredictionId,
    Guid DevelopmentId,
    string Reason,
    double PreviousProbability,
    double Probability,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

/// <summary>An analyst's direct judgement: sets the probability instead of shifting it.</summary>
public record ProbabilityRevised(
    string PredictionId,
    double PreviousProbability,
    double Probability,
    string Rationale,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record StatusChanged(
    string PredictionId,
    PredictionStatus From,
    PredictionStatus To,
    double PreviousProbability,
    double Probability,
    string CauseType,
    Guid? CauseDevelopmentId,
    string? CauseSummary,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record PredictionResolved(
    string PredictionId,
    Outcome Outcome,
    string Rationale,
    double Probability,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record HorizonPassed(
    string PredictionId,
    DateTimeOffset Horizon,
    double Probability,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;

public record NoteAdded(
    string PredictionId,
    string Text,
    string RecordedBy,
    DateTimeOffset EffectiveAt) : IPredictionEvent;
