namespace PolicyTracker.Notifications.FanningOut;

/// <summary>
/// Where a subscription with a minimum change measures the next probability-changed from, per prediction.
/// Written in the same transaction as the deliveries and the processed-message record, so a redelivered
/// message (which that record turns away) cannot move it twice.
/// </summary>
public sealed class ProbabilityBaseline
{
    public string Id { get; set; } = "";
    public Guid SubscriptionId { get; set; }
    public string PredictionId { get; set; } = "";
    public double Probability { get; set; }
    /// <summary>The prediction's version whose message last moved it, for reading the table by hand.</summary>
    public long Version { get; set; }

    public static string IdFor(Guid subscriptionId, string predictionId) => $"{subscriptionId:N}/{predictionId}";
}
