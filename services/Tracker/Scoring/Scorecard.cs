using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.ReadingPredictions;

namespace PolicyTracker.Tracker.Scoring;

/// <summary>The essay's forecast as made (the registered prior) and its scores; null scores for a void prediction.</summary>
public sealed record EssayScore(double Forecast, double? Brier, double? LogScore);

/// <summary>The tracker's path: Brier averaged over the prediction's open life, and at the horizon.</summary>
public sealed record TrackerScore(double? TimeAveragedBrier, double? BrierAtHorizon);

public sealed record ScoredPrediction(
    string PredictionId, string Title, Outcome Outcome, double ProbabilityAtHorizon, double TimeAveragedProbability, double? BrierScore,
    DateTimeOffset MadeAt, EssayScore Essay, TrackerScore Tracker);

public sealed record OutcomeCounts(int Confirmed, int Refuted, int Void, int Open);

/// <summary>
/// Every resolved prediction scored, their mean Brier score (null while none is scorable) and the
/// calibration bins (the tracker at the horizon); beside them the essay's and the tracker's scores
/// side by side, each with its own calibration, and the counts by outcome.
/// </summary>
public sealed record ScorecardView(
    IReadOnlyList<ScoredPrediction> Predictions, double? MeanBrierScore, IReadOnlyList<CalibrationBin> Calibration,
    EssayScore Essay, TrackerScore Tracker, IReadOnlyList<CalibrationBin> EssayCalibration, IReadOnlyList<CalibrationBin> TrackerCalibration,
    OutcomeCounts Counts, string? Source);

public static class Scorecard
{
    /// <summary>
    /// Scores one resolved prediction. The essay is scored on its prior alone, so developments (hindsight
    /// or not) never touch it. The tracker is scored on the real-world (effective) replay from when the
    /// forecast was made to the horizon or the resolution, whichever came first; void is not scored.
    /// </summary>
    public static ScoredPrediction Score(Prediction prediction, IReadOnlyList<RecordedEvent> events)
    {
        var resolution = prediction.Resolution!;
        var madeAt = MadeAt(prediction, events);
        var end = resolution.ResolvedAt < prediction.Horizon ? resolution.ResolvedAt : prediction.Horizon;
        if (end < madeAt)
        {
            end = madeAt;
        }
        var replay = Replays.ByEffective(events, end);
        var path = replay.Count == 0
            ? [new PathStep(madeAt, prediction.Prior)]
            : replay.Select(e => new PathStep(e.Event.Data.EffectiveAt, e.State.Probability)).ToList();
        var atHorizon = replay.Count > 0 ? replay[^1].State.Probability : prediction.Prior;
        var timeAveragedProbability = TimeAveragedProbability(path, madeAt, end);
        if (resolution.Outcome == Outcome.Void)
        {
            return new(prediction.Id, prediction.Title, resolution.Outcome, atHorizon, timeAveragedProbability, null, madeAt,
                new EssayScore(prediction.Prior, null, null), new TrackerScore(null, null));
        }
        var happened = resolution.Outcome == Outcome.Confirmed;
        var brierAtHorizon = ScoringRules.Brier(atHorizon, happened);
        return new(prediction.Id, prediction.Title, resolution.Outcome, atHorizon, timeAveragedProbability, brierAtHorizon, madeAt,
            new EssayScore(prediction.Prior, ScoringRules.Brier(prediction.Prior, happened), ScoringRules.LogScore(prediction.Prior, happened)),
            new TrackerScore(ScoringRules.TimeAveragedBrier(path, madeAt, end, happened), brierAtHorizon));
    }

    /// <summary>The card over a set of predictions (resolved or not): scores of the resolved ones, counts of all.</summary>
    public static ScorecardView Card(IReadOnlyList<ScoredPrediction> scored, int open, string? source)
    {
        var scorable = scored.Where(s => s.Outcome != Outcome.Void).ToList();
        var trackerForecasts = scorable.Select(s => (s.ProbabilityAtHorizon, s.Outcome == Outcome.Confirmed)).ToList();
        var meanBrier = ScoringRules.Mean(scorable.Select(s => s.BrierScore));
        return new ScorecardView(
            scored, meanBrier, ScoringRules.Calibrate(trackerForecasts),
            new EssayScore(scorable.Count == 0 ? 0 : scorable.Average(s => s.Essay.Forecast),
                ScoringRules.Mean(scorable.Select(s => s.Essay.Brier)), ScoringRules.Mean(scorable.Select(s => s.Essay.LogScore))),
            new TrackerScore(ScoringRules.Mean(scorable.Select(s => s.Tracker.TimeAveragedBrier)), meanBrier),
            ScoringRules.Calibrate(scorable.Select(s => (s.Essay.Forecast, s.Outcome == Outcome.Confirmed))),
            ScoringRules.Calibrate(trackerForecasts),
            new OutcomeCounts(scored.Count(s => s.Outcome == Outcome.Confirmed), scored.Count(s => s.Outcome == Outcome.Refuted),
                scored.Count(s => s.Outcome == Outcome.Void), open),
            source);
    }

    /// <summary>A source filter names a source's title or author, whole and case-insensitively.</summary>
    public static bool FromSource(Prediction prediction, string source) =>
        string.Equals(prediction.Source.Title.Trim(), source.Trim(), StringComparison.OrdinalIgnoreCase)
        || string.Equals(prediction.Source.Author.Trim(), source.Trim(), StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset MadeAt(Prediction prediction, IReadOnlyList<RecordedEvent> events) =>
        events.Select(e => e.Data).OfType<PredictionRegistered>().FirstOrDefault()?.EffectiveAt ?? prediction.MadeAt;

    private static double TimeAveragedProbability(IReadOnlyList<PathStep> path, DateTimeOffset start, DateTimeOffset end)
    {
        double weighted = 0, total = 0;
        for (var i = 0; i < path.Count; i++)
        {
            var from = path[i].From > start ? path[i].From : start;
            var next = i + 1 < path.Count ? (path[i + 1].From > start ? path[i + 1].From : start) : end;
            var span = ((next < end ? next : end) - from).TotalSeconds;
            if (span > 0)
            {
                weighted += span * path[i].Probability;
                total += span;
            }
        }
        return total > 0 ? weighted / total : ScoringRules.ProbabilityAt(path, start);
    }

    public static IEndpointRouteBuilder MapScorecard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/scorecard", async Task<Results<Ok<ScorecardView>, ValidationProblem>> (string? source, IQuerySession session, CancellationToken ct) =>
        {
            var all = await session.Query<Prediction>().OrderBy(p => p.Id).ToListAsync(ct);
            if (source is not null)
            {
                if (string.IsNullOrWhiteSpace(source) || source.Length > 300 || !all.Any(p => FromSource(p, source)))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["source"] = ["matches no prediction's source title or author"] });
                }
                all = all.Where(p => FromSource(p, source)).ToList();
            }
            var scored = new List<ScoredPrediction>();
            foreach (var prediction in all.Where(p => p.Resolution is not null))
            {
                scored.Add(Score(prediction, await ReadPredictions.LoadAsync(session, prediction.Id, ct)));
            }
            return TypedResults.Ok(Card(scored, all.Count(p => p.Resolution is null), source?.Trim()));
        })
            .WithTags("Scorecard")
            .WithSummary("The scorecard: the essay's forecasts and the tracker's, side by side")
            .WithDescription("Per resolved prediction and in total: the essay's forecast as made (the prior) with its Brier and natural-log score; the tracker's Brier averaged over the prediction's open life in real-world time (from madeAt to the horizon or resolution) and at the horizon; calibration in ten bins for each; counts by outcome. Void predictions are listed but not scored. ?source= (a source title or author) restricts the card; an unknown source is 400.");
        return app;
    }
}
