using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>
/// One development of a prediction, keyed by its id: what makes LogDevelopment idempotent (the id
/// comes from the sender), what a retraction looks up, and what an as-of query lists by version.
/// </summary>
public sealed class DevelopmentRecord
{
    public Guid Id { get; set; }
    public string PredictionId { get; set; } = "";
    public long LoggedVersion { get; set; }
    public long? RetractedVersion { get; set; }
    public Guid? StatementId { get; set; }
    public string Summary { get; set; } = "";
    public Stance Stance { get; set; }
    public Strength Strength { get; set; }
    public string? Rationale { get; set; }
    public DateTimeOffset EffectiveAt { get; set; }
    public string RecordedBy { get; set; } = "";

    public static DevelopmentRecord Of(DevelopmentLogged logged, long version) => new()
    {
        Id = logged.DevelopmentId,
        PredictionId = logged.PredictionId,
        LoggedVersion = version,
        StatementId = logged.StatementId,
        Summary = logged.Summary,
        Stance = logged.Stance,
        Strength = logged.Strength,
        Rationale = logged.Rationale,
        EffectiveAt = logged.EffectiveAt,
        RecordedBy = logged.RecordedBy,
    };
}

/// <summary>The tamper-evidence chain: one link per event, written in the same transaction as the event.</summary>
public sealed record EventHash(string Id, string PredictionId, long Version, string Hash)
{
    public static string Key(string predictionId, long version) => $"{predictionId}/{version}";
}

/// <summary>
/// The state as it stood at every hundredth version (a versioned snapshot), so an as-of query
/// replays at most a hundred events whatever the stream's length.
/// </summary>
public sealed record PredictionCheckpoint(string Id, string PredictionId, long Version, Prediction State)
{
    public const int Interval = 100;
    public static string Key(string predictionId, long version) => $"{predictionId}/{version}";
}
