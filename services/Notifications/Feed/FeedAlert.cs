using System.Text.Json;
using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Notifications.Feed;

/// <summary>
/// An in-app alert, appended as an event to its subscriber's feed stream: the global event
/// sequence orders the feed and is the server-sent event id a client resumes from.
/// </summary>
public sealed record FeedAlertRaised(
    Guid AlertId, string Owner, Guid SubscriptionId, string Type, string PredictionId, long Version, string Title,
    string Headline, string Detail, DateTimeOffset RecordedAt, string Body);

public sealed record FeedAlertResponse(
    long Id, Guid AlertId, string Type, string PredictionId, long Version, string Title, string Headline, string Detail,
    DateTimeOffset RecordedAt, JsonElement Data)
{
    public static FeedAlertResponse From(long sequence, FeedAlertRaised a) =>
        new(sequence, a.AlertId, "prediction." + a.Type, a.PredictionId, a.Version, a.Title, a.Headline, a.Detail, a.RecordedAt,
            JsonDocument.Parse(a.Body).RootElement.GetProperty("data").Clone());
}

public static class FeedStreams
{
    /// <summary>One stream per subscriber, its id derived from the principal name.</summary>
    public static Guid For(string owner) => DeterministicIds.Sha256("feed:" + owner, markVersion8: true);
}
