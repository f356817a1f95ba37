using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Scoring;

namespace PolicyTracker.Tracker.Tests.Decisions;

public class ScoringTests
{
    private static readonly DateTimeOffset Made = TestPredictions.Made;
    private static readonly DateTimeOffset Horizon = new(2021, 1, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Brier_and_log_scores_follow_their_definitions()
    {
        ScoringRules.Brier(0.3, happened: false).ShouldBe(0.09, 1e-12);
        ScoringRules.Brier(0.75, happened: true).ShouldBe(0.0625, 1e-12);
        ScoringRules.LogScore(0.75, happened: true).ShouldBe(Math.Log(0.75), 1e-12);
        ScoringRules.LogScore(0.3, happened: false).ShouldBe(Math.Log(0.7), 1e-12);
    }

    [Fact]
    public void Given_a_path_When_time_averaged_Then_each_probability_weighs_by_how_long_it_stood()
    {
        var start = new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var middle = start.AddDays(100);
        var end = start.AddDays(200);
        PathStep[] path = [new(start, 0.5), new(middle, 0.9)];

        // Half the life at 0.5 (Brier 0.25), half at 0.9 (Brier 0.01).
        ScoringRules.TimeAveragedBrier(path, start, end, happened: true).ShouldBe(0.13, 1e-12);
        // A step after the end counts for nothing.
        ScoringRules.TimeAveragedBrier([.. path, new(end.AddDays(5), 0.01)], start, end, happened: true).ShouldBe(0.13, 1e-12);
    }

    [Fact]
    public void Given_hindsight_steps_before_the_forecast_When_time_averaged_Then_they_count_from_when_it_was_made()
    {
        var start = new DateTimeOffset(2017, 1, 4, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddDays(10);
        // Registration at the start, then a development from 2016 (replay order): it holds from the start.
        PathStep[] path = [new(start, 0.5), new(start.AddDays(-30), 0.8)];
        ScoringRules.TimeAveragedBrier(path, start, end, happened: false).ShouldBe(0.64, 1e-12);
    }

    [Fact]
    public void A_life_of_no_length_is_scored_on_the_forecast_as_it_then_stood()
    {
        ScoringRules.TimeAveragedBrier([new(Made, 0.4)], Made, Made, happened: true).ShouldBe(0.36, 1e-12);
    }

    [Fact]
    public void Calibration_puts_each_forecast_in_its_tenth_and_counts_how_often_it_happened()
    {
        var bins = ScoringRules.Calibrate([(0.72, true), (0.75, false), (0.3, false), (1.0, true)]);
        bins.Count.ShouldBe(10);
        bins[7].Count.ShouldBe(2);
        bins[7].MeanForecast!.Value.ShouldBe(0.735, 1e-12);
        bins[7].ObservedFrequency!.Value.ShouldBe(0.5, 1e-12);
        bins[3].Count.ShouldBe(1);
        bins[9].Count.ShouldBe(1);
        bins[0].MeanForecast.ShouldBeNull();
    }

    [Fact]
    public void Given_developments_When_scored_Then_the_essay_is_scored_on_its_prior_and_the_tracker_on_its_path()
    {
        var registered = TestPredictions.Registered(0.75) with { Horizon = Horizon };
        var moved = Logged(registered, Made.AddYears(2), 0.75, 0.25);
        var resolvedAt = Horizon;
        var resolved = new PredictionResolved(registered.PredictionId, Outcome.Refuted, "It did not happen.", 0.25, "analyst", resolvedAt);
        var events = Recorded(registered, moved, resolved);
        var state = events.Aggregate((Prediction?)null, (s, e) => Prediction.Fold(s, e.Data))!;

        var scored = Scorecard.Score(state, events);

        scored.MadeAt.ShouldBe(Made);
        scored.Essay.Forecast.ShouldBe(0.75);
        scored.Essay.Brier!.Value.ShouldBe(0.5625, 1e-12);
        scored.Essay.LogScore!.Value.ShouldBe(Math.Log(0.25), 1e-12);
        // The tracker held the prior for two years, then the shifted probability until the horizon.
        var shifted = ProbabilityRules.Shift(0.75, Stance.Undermines, Strength.Strong);
        scored.ProbabilityAtHorizon.ShouldBe(shifted, 1e-12);
        scored.Tracker.BrierAtHorizon!.Value.ShouldBe(shifted * shifted, 1e-12);
        var life = (Horizon - Made).TotalSeconds;
        var twoYears = (Made.AddYears(2) - Made).TotalSeconds;
        var expected = (twoYears * 0.5625 + (life - twoYears) * shifted * shifted) / life;
        scored.Tracker.TimeAveragedBrier!.Value.ShouldBe(expected, 1e-9);
        scored.BrierScore.ShouldBe(scored.Tracker.BrierAtHorizon);
    }

    [Fact]
    public void Given_a_hindsight_development_When_scored_Then_the_essay_forecast_is_untouched()
    {
        var registered = TestPredictions.Registered(0.4) with { Horizon = Horizon };
        var hindsight = Logged(registered, Made.AddDays(-60), 0.4, 0.9);
        var resolved = new PredictionResolved(registered.PredictionId, Outcome.Confirmed, "It happened.", 0.9, "analyst", Horizon);
        var events = Recorded(registered, hindsight, resolved);
        var state = events.Aggregate((Prediction?)null, (s, e) => Prediction.Fold(s, e.Data))!;

        var scored = Scorecard.Score(state, events);

        scored.Essay.Forecast.ShouldBe(0.4);
        scored.Essay.Brier!.Value.ShouldBe(0.36, 1e-12);
        Replays.IsHindsight(hindsight, state.MadeAt).ShouldBeTrue();
        Replays.IsHindsight(Logged(registered, Made.AddDays(1), 0.4, 0.5), state.MadeAt).ShouldBeFalse();
    }

    [Fact]
    public void Given_void_and_open_predictions_When_carded_Then_void_is_counted_but_not_scored()
    {
        var confirmed = Scored("a", Outcome.Confirmed, prior: 0.75, atHorizon: 0.9, timeAveragedBrier: 0.05);
        var refuted = Scored("b", Outcome.Refuted, prior: 0.75, atHorizon: 0.2, timeAveragedBrier: 0.15);
        var voided = Scored("c", Outcome.Void, prior: 0.5, atHorizon: 0.5, timeAveragedBrier: null);

        var card = Scorecard.Card([confirmed, refuted, voided], open: 4, source: null);

        card.Counts.ShouldBe(new OutcomeCounts(1, 1, 1, 4));
        card.Essay.Forecast.ShouldBe(0.75, 1e-12);
        card.Essay.Brier!.Value.ShouldBe((0.0625 + 0.5625) / 2, 1e-12);
        card.Essay.LogScore!.Value.ShouldBe((Math.Log(0.75) + Math.Log(0.25)) / 2, 1e-12);
        card.Tracker.TimeAveragedBrier!.Value.ShouldBe(0.1, 1e-12);
        card.Tracker.BrierAtHorizon!.Value.ShouldBe((0.01 + 0.04) / 2, 1e-12);
        card.MeanBrierScore.ShouldBe(card.Tracker.BrierAtHorizon);
        card.EssayCalibration[7].Count.ShouldBe(2);
        card.TrackerCalibration[9].Count.ShouldBe(1);
        card.TrackerCalibration[2].Count.ShouldBe(1);
        card.EssayCalibration.Sum(b => b.Count).ShouldBe(2);
    }

    [Fact]
    public void A_source_filter_matches_a_title_or_an_author_whole_and_case_insensitively()
    {
        var prediction = TestPredictions.Given(0.5);
        Scorecard.FromSource(prediction, "jeffrey mankoff").ShouldBeTrue();
        Scorecard.FromSource(prediction, " Rapprochement on Russia's Terms ").ShouldBeTrue();
        Scorecard.FromSource(prediction, "Mankoff").ShouldBeFalse();
    }

    private static ScoredPrediction Scored(string id, Outcome outcome, double prior, double atHorizon, double? timeAveragedBrier)
    {
        var happened = outcome == Outcome.Confirmed;
        var scorable = outcome != Outcome.Void;
        return new(id, id, outcome, atHorizon, atHorizon, scorable ? ScoringRules.Brier(atHorizon, happened) : null, Made,
            new EssayScore(prior, scorable ? ScoringRules.Brier(prior, happened) : null, scorable ? ScoringRules.LogScore(prior, happened) : null),
            new TrackerScore(timeAveragedBrier, scorable ? ScoringRules.Brier(atHorizon, happened) : null));
    }

    private static DevelopmentLogged Logged(PredictionRegistered registered, DateTimeOffset at, double before, double after) =>
        new(registered.PredictionId, Guid.NewGuid(), null, "moved", after > before ? Stance.Supports : Stance.Undermines, Strength.Strong, null, null,
            before, after, ProbabilityRules.Band(after), "analyst", at);

    private static List<RecordedEvent> Recorded(params IPredictionEvent[] events) =>
        events.Select((e, i) => new RecordedEvent(i + 1, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i), "analyst", e)).ToList();
}
