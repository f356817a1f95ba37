namespace PolicyTracker.Ingestion.Matching;

/// <summary>
/// One thing analysts taught the matcher: a text linked to a prediction (+1, from the Tracker's development
/// events) or a statement dismissed while the prediction was suggested (-1). The id names its origin, so a
/// redelivered event stores the same example again rather than a second one.
/// </summary>
public sealed class FeedbackExample
{
    public string Id { get; set; } = "";
    public string PredictionId { get; set; } = "";
    public int Sign { get; set; }
    public float[] Vector { get; set; } = [];
    public DateTimeOffset RecordedAt { get; set; }

    public static string LinkedId(Guid developmentId) => $"linked:{developmentId:N}";
    public static string DismissedId(Guid statementId, string predictionId) => $"dismissed:{statementId:N}:{predictionId}";
}
