namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>
/// Throughput tests run alone, after the rest of this assembly: the matcher's encoder in a parallel test class
/// would otherwise take the cores they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThroughputCollection
{
    public const string Name = "throughput";
}
