using System.Text.Json;
using System.Text.Json.Nodes;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>Files of the repository the tests read as they are: the seeded predictions, the history, the evaluation set.</summary>
public static class RepositoryData
{
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PolicyTracker.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new DirectoryNotFoundException("repository root (PolicyTracker.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>The Tracker's seed, as the registration events it publishes for it (version 2: newer than the test catalog).</summary>
    public static IReadOnlyList<PredictionRegisteredNotice> SeededPredictions()
    {
        var seed = JsonNode.Parse(File.ReadAllText(Path.Combine(Root(), "services", "Tracker", "Seeding", "predictions.json")))!.AsArray();
        return [.. seed.Select(p => new PredictionRegisteredNotice(
            p!["id"]!.GetValue<string>(), 2, p["title"]!.GetValue<string>(), p["claim"]!.GetValue<string>(),
            p["resolutionCriteria"]!.GetValue<string>(), p["horizon"]!.GetValue<DateTimeOffset>(), p["prior"]!.GetValue<double>(),
            [.. p["tags"]!.AsArray().Select(t => t!.GetValue<string>())], [.. p["searchTerms"]!.AsArray().Select(t => t!.GetValue<string>())],
            PredictionStatus.Uncertain, DateTimeOffset.UtcNow, "seed"))];
    }

    public sealed record Labelled(string Label, DateOnly Date, string Text)
    {
        public bool Unrelated => Label == "none";
    }

    public static IReadOnlyList<Labelled> EvaluationSet() =>
        [.. File.ReadAllLines(Path.Combine(Root(), "data", "eval", "matching.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Skip(1)
            .Select(l => l.Split('\t'))
            .Select(f => new Labelled(f[0], DateOnly.Parse(f[1]), f[2]))];

    /// <summary>The history's developments, one (prediction, summary) per link.</summary>
    public static IReadOnlyList<(string PredictionId, string Summary)> HistoryLinks() =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(Root(), "data", "history", "developments.json")))!.AsArray()
            .SelectMany(d => d!["links"]!.AsArray().Select(l => (l!["predictionId"]!.GetValue<string>(), d["summary"]!.GetValue<string>())))];
}
