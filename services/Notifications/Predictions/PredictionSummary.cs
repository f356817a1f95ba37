namespace PolicyTracker.Notifications.Predictions;

/// <summary>
/// What Notifications keeps of each prediction (from PredictionRegisteredNotice/PredictionRewordedNotice and the
/// Tracker's catalog): its tags decide which tag subscriptions an event reaches.
/// </summary>
public sealed class PredictionSummary
{
    public string Id { get; set; } = "";
    public string Title { get; set; } = "";
    public List<string> Tags { get; set; } = [];
    public long Version { get; set; }
}
