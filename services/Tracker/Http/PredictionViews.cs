using System.Text.Json.Serialization;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.Http;

/// <summary>A prediction in a list: what a reader needs to pick one.</summary>
public sealed record PredictionView(
    string Id, string Title, string Claim, PredictionStatus Status, double Probability, DateTimeOffset Horizon,
    IReadOnlyList<string> Tags, long Version, DateTimeOffset UpdatedAt)
{
    public static PredictionView Of(Prediction p) =>
        new(p.Id, p.Title, p.Claim, p.Status, p.Probability, p.Horizon, p.Tags, p.Version, p.UpdatedAt);
}

/// <summary>
/// A prediction in full, now or as of a time. <see cref="AsOf"/> and <see cref="Developments"/> are
/// there only on an as-of answer.
/// </summary>
public sealed record PredictionDetailsView(
    string Id, string Title, string Claim, PredictionStatus Status, double Probability, DateTimeOffset Horizon,
    IReadOnlyList<string> Tags, long Version, DateTimeOffset UpdatedAt, string ResolutionCriteria, double Prior,
    IReadOnlyList<string> SearchTerms, PredictionSource Source, int DevelopmentCount, Resolution? Resolution,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AsOfView? AsOf = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DevelopmentView>? Developments = null)
{
    public static PredictionDetailsView Of(Prediction p) =>
        new(p.Id, p.Title, p.Claim, p.Status, p.Probability, p.Horizon, p.Tags, p.Version, p.UpdatedAt, p.ResolutionCriteria,
            p.Prior, p.SearchTerms, p.Source, p.DevelopmentCount, p.Resolution);
}

/// <summary>Which moment an as-of answer describes: a recorded time and the version current then, or an effective time.</summary>
public sealed record AsOfView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RecordedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? EffectiveAt);

/// <summary>A development in an as-of answer; by recorded time it also tells its version and whether it was retracted by then.</summary>
public sealed record DevelopmentView(
    Guid DevelopmentId, string Summary, Stance Stance, Strength Strength, DateTimeOffset EffectiveAt, string RecordedBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Version = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Retracted = null);

/// <summary>What a write that moves the probability answers: the stream's new version, probability and status.</summary>
public sealed record ProbabilityView(long Version, double Probability, PredictionStatus Status);

/// <summary>What logging or retracting a development answers.</summary>
public sealed record DevelopmentWriteView(Guid DevelopmentId, long Version, double Probability, PredictionStatus Status);

public sealed record VersionView(long Version);
