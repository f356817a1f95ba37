using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;

namespace PolicyTracker.Ingestion.Tests.Evaluation;

public sealed record EvaluationFigures(int Relevant, int Top1, int RecallAt3, int Unrelated, int UnrelatedSuggested, int RelevantWithoutSuggestion)
{
    public double Top1Rate => (double)Top1 / Relevant;
    public double RecallAt3Rate => (double)RecallAt3 / Relevant;
    public double UnrelatedCleanRate => 1 - (double)UnrelatedSuggested / Unrelated;

    public override string ToString() =>
        $"top-1 {Top1}/{Relevant} ({Top1Rate:P1}), recall@3 {RecallAt3}/{Relevant} ({RecallAt3Rate:P1}), " +
        $"unrelated with no suggestion {Unrelated - UnrelatedSuggested}/{Unrelated} ({UnrelatedCleanRate:P1}), " +
        $"relevant with no suggestion {RelevantWithoutSuggestion}";
}

/// <summary>Runs the real matcher of a running Ingestion over data/eval/matching.tsv.</summary>
public static class MatchingEvaluation
{
    public static async Task<EvaluationFigures> RunAsync(IngestionFixture ingestion, Action<string> log)
    {
        var measured = await MeasureAsync(ingestion);
        return Figures(measured, MatchScore.Score, Options(ingestion), log);
    }

    public static MatchingOptions Options(IngestionFixture ingestion) =>
        ingestion.Service.Services.GetRequiredService<IOptions<MatchingOptions>>().Value;

    /// <summary>Every pair's features for every statement of the set, as the running matcher measures them now.</summary>
    public static async Task<IReadOnlyList<MatchFeatures>[]> MeasureAsync(IngestionFixture ingestion)
    {
        var set = RepositoryData.EvaluationSet();
        var matcher = ingestion.Service.Services.GetRequiredService<PredictionMatcher>();
        var measured = await matcher.MeasureAsync([.. set.Select(s => s.Text)], CancellationToken.None);
        WriteFeatures(set, measured);
        WriteVectors(set);
        return measured;
    }

    /// <summary>The figures of one scoring of the set; <paramref name="log"/> gets every miss.</summary>
    public static EvaluationFigures Figures(
        IReadOnlyList<MatchFeatures>[] measured, Func<MatchFeatures, Suggestion> score, MatchingOptions options, Action<string> log) =>
        Figures(measured, (_, f) => score(f), options, log);

    public static EvaluationFigures Figures(
        IReadOnlyList<MatchFeatures>[] measured, Func<int, MatchFeatures, Suggestion> score, MatchingOptions options, Action<string> log)
    {
        var set = RepositoryData.EvaluationSet();
        int relevant = 0, top1 = 0, recall3 = 0, unrelated = 0, unrelatedSuggested = 0, missing = 0;
        for (var i = 0; i < set.Count; i++)
        {
            var position = i;
            var suggestions = MatchScore.Rank(measured[i].Select(f => score(position, f)), options);
            var ids = suggestions.Select(s => s.PredictionId).ToList();
            if (set[i].Unrelated)
            {
                unrelated++;
                if (ids.Count > 0)
                {
                    unrelatedSuggested++;
                    log($"unrelated got {ids[0]} ({suggestions[0].Score:F2}): {set[i].Text}");
                }
                continue;
            }
            relevant++;
            top1 += ids.FirstOrDefault() == set[i].Label ? 1 : 0;
            recall3 += ids.Take(3).Contains(set[i].Label) ? 1 : 0;
            missing += ids.Count == 0 ? 1 : 0;
            if (ids.FirstOrDefault() != set[i].Label)
            {
                log($"{set[i].Label} got [{string.Join(", ", suggestions.Select(s => $"{s.PredictionId} {s.Score:F2}"))}]: {set[i].Text}");
            }
        }
        return new EvaluationFigures(relevant, top1, recall3, unrelated, unrelatedSuggested, missing);
    }

    /// <summary>With PT_MATCHING_VECTORS=path, the embeddings of statements and of each prediction's texts, for trying profiles offline.</summary>
    private static void WriteVectors(IReadOnlyList<RepositoryData.Labelled> set)
    {
        if (Environment.GetEnvironmentVariable("PT_MATCHING_VECTORS") is not { Length: > 0 } path)
        {
            return;
        }
        var embeddings = SentenceEmbeddings.Shared;
        var statements = embeddings.Encode([.. set.Select(s => s.Text)]);
        var predictions = RepositoryData.SeededPredictions().ToDictionary(p => p.PredictionId, p =>
        {
            string[] texts = [p.Claim, p.Title, p.ResolutionCriteria, .. p.SearchTerms];
            var vectors = embeddings.Encode(texts);
            return texts.Select((t, i) => new { text = t, vector = vectors[i] }).ToList();
        });
        var history = RepositoryData.HistoryLinks();
        var historyVectors = embeddings.Encode([.. history.Select(h => h.Summary)]);
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(new
        {
            statements = set.Select((s, i) => new { label = s.Label, text = s.Text, vector = statements[i] }),
            predictions,
            history = history.Select((h, i) => new { prediction = h.PredictionId, text = h.Summary, vector = historyVectors[i] }),
        }));
    }

    /// <summary>With PT_MATCHING_FEATURES=path, every pair's features go to a TSV: what the calibration was fitted on.</summary>
    private static void WriteFeatures(IReadOnlyList<RepositoryData.Labelled> set, IReadOnlyList<MatchFeatures>[] measured)
    {
        if (Environment.GetEnvironmentVariable("PT_MATCHING_FEATURES") is not { Length: > 0 } path)
        {
            return;
        }
        using var writer = new StreamWriter(path);
        writer.WriteLine("statement\tlabel\tprediction\tsemantic\thits\toverlap\tpull\tpush");
        for (var i = 0; i < set.Count; i++)
        {
            foreach (var f in measured[i])
            {
                writer.WriteLine(string.Join('\t', i, set[i].Label, f.PredictionId,
                    f.Semantic.ToString("F5", CultureInfo.InvariantCulture), f.TermHits,
                    f.Overlap.ToString("F5", CultureInfo.InvariantCulture), f.Pull.ToString("F5", CultureInfo.InvariantCulture),
                    f.Push.ToString("F5", CultureInfo.InvariantCulture)));
            }
        }
    }
}
