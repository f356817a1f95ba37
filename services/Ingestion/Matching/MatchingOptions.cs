namespace PolicyTracker.Ingestion.Matching;

public sealed class MatchingOptions
{
    /// <summary>
    /// Calibrated score (an estimate of the chance an analyst would link) below which a prediction is not suggested.
    /// A statement with no suggestion still reaches triage, under <c>?suggested=false</c>.
    /// </summary>
    public double Threshold { get; set; } = 0.3;
    public int MaxSuggestions { get; set; } = 5;
    /// <summary>Pending statements matched per round trip.</summary>
    public int BatchSize { get; set; } = 256;
    /// <summary>Parallel encoder calls (each one ONNX thread); more than the cores only adds contention.</summary>
    public int EncoderThreads { get; set; } = 2;
    /// <summary>How often the worker looks for pending statements when nothing woke it (other instances, restarts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
