using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Ingestion.Feeds;

public sealed record FeedPoll(DateTimeOffset At, string Outcome, int? StatusCode, string? Error, int Items, int Accepted, int Duplicates);

/// <summary>An RSS or Atom feed Ingestion polls; its id is derived from its URL so a feed is registered once.</summary>
public sealed class Feed
{
    public Guid Id { get; set; }
    public string Url { get; set; } = "";
    public int PollIntervalSeconds { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("etag")]
    public string? ETag { get; set; }
    public string? LastModified { get; set; }
    public DateTimeOffset NextPollAt { get; set; }
    public FeedPoll? LastPoll { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public static Guid IdFor(string normalisedUrl) => DeterministicIds.Sha256("feed:" + normalisedUrl);
}

public sealed class FeedOptions
{
    public const string Section = "Feeds";

    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);
    public int MinimumIntervalSeconds { get; set; } = 60;
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);
    public int Retries { get; set; } = 3;
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(1);
    public long MaxFeedBytes { get; set; } = 5 * 1024 * 1024;
    /// <summary>Allow feed URLs on loopback/private/link-local/internal addresses (Development sets it; never in production).</summary>
    public bool AllowPrivateNetworks { get; set; }
}
