using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.ReadingPredictions;

namespace PolicyTracker.Tracker.Scoring;

public sealed record ScoredPrediction(string PredictionId, string Title, Outcome Outcome, double ProbabilityAtHorizon, double TimeAveragedProbability, double? BrierScore);

public sealed record CalibrationBin(double From, double To, int Count, double? MeanForecast, double? ObservedFrequency);

/// <summary>Every resolved prediction scored, their mean Brier score (null while none is scorable) and the calibration bins.</summary>
public sealed record ScorecardView(IReadOnlyList<ScoredPrediction> Predictions, double? MeanBrierScore, IReadOnlyList<CalibrationBin> Calibration);

public static class Scorecard
{
    /// <summary>
    /// Brier score (p - o)^2 from the probability held at the horizon, in the real-world (effective)
    /// replay; void predictions have no outcome to score. The time-averaged probability weighs each
    /// probability by how long it stood between registration and min(horizon, resolution).
    /// </summary>
    public static ScoredPrediction Score(Prediction prediction, IReadOnlyList<RecordedEvent> events)
    {
        var outcome = prediction.Resolution!.Outcome;
        var atHorizon = Replays.ByEffective(events, prediction.Horizon);
        var probability = atHorizon.Count > 0 ? atHorizon[^1].State.Probability : prediction.Prior;
        double? brier = outcome == Outcome.Void ? null : Math.Pow(probability - (outcome == Outcome.Confirmed ? 1 : 0), 2);
        return new(prediction.Id, prediction.Title, outcome, probability, TimeAveraged(prediction, atHorizon), brier);
    }

    private static double TimeAveraged(Prediction prediction, IReadOnlyList<TimelineEntry> entries)
    {
        if (entries.Count == 0)
        {
            return prediction.Prior;
        }
        var end = prediction.Resolution is { } r && r.ResolvedAt < prediction.Horizon ? r.ResolvedAt : prediction.Horizon;
        double weighted = 0, total = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var from = entries[i].Event.Data.EffectiveAt;
            var to = i + 1 < entries.Count ? entries[i + 1].Event.Data.EffectiveAt : end;
            var span = Math.Max(0, (Min(to, end) - from).TotalSeconds);
            weighted += span * entries[i].State.Probability;
            total += span;
        }
        return total > 0 ? weighted / total : entries[^1].State.Probability;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public static IReadOnlyList<CalibrationBin> Calibrate(IEnumerable<ScoredPrediction> scored)
    {
        var scorable = scored.Where(s => s.BrierScore is not null).ToList();
        return Enumerable.Range(0, 10).Select(i =>
        {
            var from = i / 10.0;
            var to = (i + 1) / 10.0;
            var inBin = scorable.Where(s => s.ProbabilityAtHorizon >= from && (s.ProbabilityAtHorizon < to || i == 9)).ToList();
            return new CalibrationBin(from, to, inBin.Count,
                inBin.Count == 0 ? null : inBin.Average(s => s.ProbabilityAtHorizon),
                inBin.Count == 0 ? null : inBin.Average(s => s.Outcome == Outcome.Confirmed ? 1.0 : 0.0));
        }).ToList();
    }

    public static IEndpointRouteBuilder MapScorecard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/scorecard", async Task<Ok<ScorecardView>> (IQuerySession session, CancellationToken ct) =>
        {
            var resolved = await session.Query<Prediction>().Where(p => p.Resolution != null).OrderBy(p => p.Id).ToListAsync(ct);
            var scored = new List<ScoredPrediction>();
            foreach (var prediction in resolved)
            {
                scored.Add(Score(prediction, await ReadPredictions.LoadAsync(session, prediction.Id, ct)));
            }
            var briers = scored.Where(s => s.BrierScore is not null).Select(s => s.BrierScore!.Value).ToList();
            return TypedResults.Ok(new ScorecardView(scored, briers.Count == 0 ? null : briers.Average(), Calibrate(scored)));
        })
            .WithTags("Scorecard")
            .WithSummary("The scorecard")
            .WithDescription("Brier scores of resolved predictions from the probability held at the horizon (void ones are not scored), their time-averaged probability, and calibration in ten bins.");
        return app;
    }
}
