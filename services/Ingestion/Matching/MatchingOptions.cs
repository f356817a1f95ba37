namespace PolicyTracker.Ingestion.Matching;

public sealed class MatchingOptions
{
    /// <summary>
    /// Calibrated score (the estimated chance that an analyst links the pair) below which a prediction is not
    /// suggested. Low on purpose: a missed link costs more than a wrong suggestion an analyst clears in a click,
    /// and at 0.03 nine in ten of the evaluation set's unrelated statements still get no suggestion. A statement with none
    /// still reaches triage, under <c>?suggested=false</c>.
    /// </summary>
    public double Threshold { get; set; } = 0.03;
    public int MaxSuggestions { get; set; } = 5;
    /// <summary>Pending statements matched per round trip.</summary>
    public int BatchSize { get; set; } = 256;
    /// <summary>Parallel encoder calls (each one ONNX thread); more than the cores only adds contention.</summary>
    public int EncoderThreads { get; set; } = 2;
    /// <summary>How often the worker looks for pending statements when nothing woke it (other instances, restarts).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
