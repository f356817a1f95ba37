using System.Text.Json;

namespace PolicyTracker.Web.Api;

// The shapes of api.md as the pages read them; unknown fields are ignored, so the services may add fields freely.

public sealed record PredictionSummary(
    string Id, string Title, string Claim, string Status, double Probability, DateTimeOffset Horizon,
    string[] Tags, long Version, DateTimeOffset UpdatedAt);

public sealed record EssaySource(string? Title, string? Author, string? Quote);

public sealed record ResolutionView(string Outcome, string? Rationale, DateTimeOffset ResolvedAt, string? ResolvedBy);

public sealed record DevelopmentView(
    Guid DevelopmentId, string Summary, string Stance, string Strength, DateTimeOffset EffectiveAt,
    string? RecordedBy, long? Version, bool Retracted);

public sealed record AsOfMarker(DateTimeOffset? RecordedAt, DateTimeOffset? EffectiveAt, long? Version);

public sealed record PredictionDetails(
    string Id, string Title, string Claim, string Status, double Probability, DateTimeOffset Horizon,
    string[] Tags, long Version, DateTimeOffset UpdatedAt, string? ResolutionCriteria, double? Prior,
    EssaySource? Source, int DevelopmentCount, ResolutionView? Resolution,
    AsOfMarker? AsOf, DevelopmentView[]? Developments);

public sealed record TimelineEntry(
    long Version, string Type, DateTimeOffset RecordedAt, DateTimeOffset EffectiveAt, string? RecordedBy,
    string? Summary, double Probability, string Status);

public sealed record HistoryEvent(
    Guid EventId, long Version, long Sequence, string Type, DateTimeOffset RecordedAt, string? RecordedBy,
    DateTimeOffset? EffectiveAt, string? CorrelationId, string? CausationId, JsonElement Data, string? Hash);

public sealed record Integrity(bool Valid, long Events, string? HeadHash, long? BrokenAtVersion);

public sealed record CalibrationBin(double From, double To, int Count, double? MeanForecast, double? ObservedFrequency);

public sealed record Channel(string Type, string? Url, string? Address);

public sealed record SubscriptionFilter(string[]? PredictionIds, string[]? Tags, string[]? Events);

public sealed record Subscription(Guid Id, Channel Channel, SubscriptionFilter? Filter, string? State, string? DisabledReason, DateTimeOffset? CreatedAt);

public sealed record FeedAlert(long Id, Guid AlertId, string Type, string PredictionId, string Title, string? Headline, string? Detail, DateTimeOffset RecordedAt);

public sealed record Delivery(Guid Id, string? WebhookId, string Type, string State, int Attempts, int? LastStatusCode, DateTimeOffset? LastAttemptAt);

public sealed record Created(JsonElement Id, string? Secret, string? Status);

public sealed record SourceView(string? Url, string? Title, string? Publisher);

public sealed record TriageItem(Guid Id, string Text, DateTimeOffset PublishedAt, string? Speaker, SourceView? Source, Suggestion[]? Suggestions, DateTimeOffset? ReceivedAt);

public sealed record Suggestion(string PredictionId, double Score);

public sealed record FeedPoll(DateTimeOffset At, string Outcome, int? StatusCode, string? Error, int Items, int Accepted, int Duplicates);

public sealed record Feed(Guid Id, string Url, int PollIntervalSeconds, DateTimeOffset? NextPollAt, FeedPoll? LastPoll, string? CreatedBy, DateTimeOffset? CreatedAt);

public sealed record BatchResult(int Accepted, int Duplicates, BatchRejection[]? Rejected);

public sealed record BatchRejection(int Index, Dictionary<string, string[]>? Errors);

public static class Vocabulary
{
    public static readonly string[] Statuses = ["likely", "uncertain", "unlikely", "overdue", "confirmed", "refuted", "void"];
    public static readonly string[] Stances = ["supports", "undermines", "neutral"];
    public static readonly string[] Strengths = ["weak", "moderate", "strong", "decisive"];
    public static readonly string[] Outcomes = ["confirmed", "refuted", "void"];
}
