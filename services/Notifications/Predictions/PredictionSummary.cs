using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Notifications.Predictions;

/// <summary>
/// What Notifications keeps of each prediction (from PredictionRegisteredNotice/PredictionRewordedNotice and the
/// Tracker's catalog): its tags decide which tag subscriptions an event reaches.
/// </summary>
public sealed class PredictionSummary : IPredictionCopy
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public List<string> Tags { get; set; } = [];
    public long Version { get; set; }

    public static PredictionSummary From(PredictionCatalogEntry entry) =>
        new() { Id = entry.PredictionId, Title = entry.Title, Tags = [.. entry.Tags], Version = entry.Version };

    public static PredictionSummary From(PredictionRegisteredNotice registered) =>
        new() { Id = registered.PredictionId, Title = registered.Title, Tags = [.. registered.Tags], Version = registered.Version };
}
