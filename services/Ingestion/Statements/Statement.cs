using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Ingestion.Statements;

/// <summary>Pending only until the background matcher has seen it; then Triage, with or without suggestions.</summary>
public enum StatementState { Pending, Triage, Linked, Dismissed }

/// <summary>A prediction suggested for a statement, with its calibrated score and the parts it came from.</summary>
public sealed record Suggestion(string PredictionId, double Score, SuggestionWhy? Why = null);

/// <summary>
/// Why a prediction was suggested: keyword evidence (0..1), the embedding similarity with the prediction's
/// wording (cosine), and how much analysts' earlier links (+) and dismissals (-) moved the score.
/// </summary>
public sealed record SuggestionWhy(double Keywords, double Semantic, double Feedback);

public sealed record StatementLink(
    string PredictionId, Guid DevelopmentId, Stance Stance, Strength Strength, string? Rationale,
    string LinkedBy, DateTimeOffset LinkedAt);

/// <summary>One statement as Ingestion keeps it, whatever door it came in by.</summary>
public sealed class Statement
{
    public Guid Id { get; set; }
    public string Text { get; set; } = "";
    public DateTimeOffset PublishedAt { get; set; }
    public string? Speaker { get; set; }
    public SourceReference? Source { get; set; }
    public StatementState State { get; set; }
    public List<Suggestion> Suggestions { get; set; } = [];
    public List<StatementLink> Links { get; set; } = [];
    public string? DismissReason { get; set; }
    public string? DismissedBy { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string ReceivedBy { get; set; } = "";
    public string DedupKey { get; set; } = "";
}

/// <summary>
/// The de-duplication key as a document id: the database's primary key, not a check-then-insert,
/// decides which of two simultaneous copies wins.
/// </summary>
public sealed class StatementKey
{
    public string Id { get; set; } = "";
    public Guid StatementId { get; set; }
}

/// <summary>
/// Appended in the same transaction as the link: the event store is the outbox the forwarding
/// subscription reads, so nothing linked is lost and nothing unlinked is sent.
/// </summary>
public sealed record StatementLinked(
    Guid StatementId,
    string PredictionId,
    Guid DevelopmentId,
    string Summary,
    DateTimeOffset OccurredAt,
    Stance Stance,
    Strength Strength,
    string? Rationale,
    SourceReference? Source,
    string LinkedBy,
    DateTimeOffset LinkedAt);
