namespace PolicyTracker.Notifications.Subscriptions;

public static class ChannelTypes
{
    public const string Webhook = "webhook";
    public const string Email = "email";
    public const string Feed = "feed";
    public static readonly string[] All = [Webhook, Email, Feed];
}

public static class NotificationEventTypes
{
    public const string StatusChanged = "status-changed";
    public const string Resolved = "resolved";
    public const string DevelopmentLogged = "development-logged";
    public const string ProbabilityChanged = "probability-changed";
    public const string ProbabilityCrossed = "probability-crossed";
    public static readonly string[] All = [StatusChanged, Resolved, DevelopmentLogged, ProbabilityChanged, ProbabilityCrossed];
    public static readonly string[] Default = [StatusChanged, Resolved];
}

public sealed record Channel(string Type, string? Url, string? Address);

/// <summary>
/// Which predictions and events a subscription hears. <c>ProbabilityCrosses</c> are the thresholds whose
/// crossing sends probability-crossed; <c>MinProbabilityChange</c> holds back probability-changed until the
/// probability moved that much since the last one sent. Both are null on subscriptions made before they existed.
/// </summary>
public sealed record SubscriptionFilter(
    IReadOnlyList<string> PredictionIds, IReadOnlyList<string> Tags, IReadOnlyList<string> Events,
    IReadOnlyList<double>? ProbabilityCrosses = null, double? MinProbabilityChange = null)
{
    /// <summary>No prediction ids and no tags means every prediction.</summary>
    public bool Matches(string predictionId, IReadOnlyCollection<string> predictionTags, string eventType) =>
        Events.Contains(eventType)
        && ((PredictionIds.Count == 0 && Tags.Count == 0)
            || PredictionIds.Contains(predictionId)
            || Tags.Any(t => predictionTags.Contains(t, StringComparer.OrdinalIgnoreCase)));
}

/// <summary>A webhook signing secret, encrypted at rest; an expired one no longer signs.</summary>
public sealed record WebhookSecret(string Cipher, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    public bool SignsAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;
}

public sealed class Subscription
{
    public Guid Id { get; set; }
    public string Owner { get; set; } = "";
    public Channel Channel { get; set; } = new(ChannelTypes.Feed, null, null);
    public SubscriptionFilter Filter { get; set; } = new([], [], NotificationEventTypes.Default);
    public List<WebhookSecret> Secrets { get; set; } = [];
    public bool Disabled { get; set; }
    public string? DisabledReason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed record SubscriptionResponse(
    Guid Id, Channel Channel, SubscriptionFilter Filter, string State, string? DisabledReason, DateTimeOffset CreatedAt)
{
    public static SubscriptionResponse From(Subscription s) =>
        new(s.Id, s.Channel, s.Filter, s.Disabled ? "disabled" : "active", s.DisabledReason, s.CreatedAt);
}
