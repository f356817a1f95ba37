using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;

namespace PolicyTracker.Tracker.Tests.Decisions;

public class StatusRulesTests
{
    [Theory]
    [InlineData(Strength.Weak, 0.2)]
    [InlineData(Strength.Moderate, 0.5)]
    [InlineData(Strength.Strong, 1.0)]
    [InlineData(Strength.Decisive, 2.5)]
    public void Given_a_strength_When_weighed_Then_the_log_odds_weight_is_as_documented(Strength strength, double weight) =>
        ProbabilityRules.Weight(strength).ShouldBe(weight);

    [Fact]
    public void Given_prior_075_When_a_decisive_undermining_development_Then_p_is_0198() =>
        ProbabilityRules.Shift(0.75, Stance.Undermines, Strength.Decisive).ShouldBe(0.198, 0.0005);

    [Fact]
    public void Given_prior_050_When_a_strong_supporting_development_Then_p_is_0731() =>
        ProbabilityRules.Shift(0.5, Stance.Supports, Strength.Strong).ShouldBe(0.731, 0.0005);

    [Fact]
    public void Given_a_neutral_development_When_shifted_Then_p_is_unchanged() =>
        ProbabilityRules.Shift(0.42, Stance.Neutral, Strength.Decisive).ShouldBe(0.42, 1e-12);

    [Theory]
    [InlineData(0.98, Stance.Supports, 0.99)]
    [InlineData(0.02, Stance.Undermines, 0.01)]
    public void Given_an_extreme_p_When_shifted_decisively_Then_it_is_clamped(double p, Stance stance, double expected) =>
        ProbabilityRules.Shift(p, stance, Strength.Decisive).ShouldBe(expected);

    [Theory]
    [InlineData(0.65, PredictionStatus.Likely)]
    [InlineData(0.649, PredictionStatus.Uncertain)]
    [InlineData(0.351, PredictionStatus.Uncertain)]
    [InlineData(0.35, PredictionStatus.Unlikely)]
    public void Given_a_prior_When_registered_Then_the_band_has_no_hysteresis(double prior, PredictionStatus band) =>
        ProbabilityRules.Band(prior).ShouldBe(band);

    [Theory]
    // Leaving likely (boundary 0.65) needs p <= 0.63.
    [InlineData(PredictionStatus.Likely, 0.64, PredictionStatus.Likely)]
    [InlineData(PredictionStatus.Likely, 0.631, PredictionStatus.Likely)]
    [InlineData(PredictionStatus.Likely, 0.63, PredictionStatus.Uncertain)]
    [InlineData(PredictionStatus.Likely, 0.34, PredictionStatus.Uncertain)]
    [InlineData(PredictionStatus.Likely, 0.33, PredictionStatus.Unlikely)]
    // Leaving uncertain upwards needs p >= 0.67, downwards p <= 0.33.
    [InlineData(PredictionStatus.Uncertain, 0.66, PredictionStatus.Uncertain)]
    [InlineData(PredictionStatus.Uncertain, 0.67, PredictionStatus.Likely)]
    [InlineData(PredictionStatus.Uncertain, 0.34, PredictionStatus.Uncertain)]
    [InlineData(PredictionStatus.Uncertain, 0.33, PredictionStatus.Unlikely)]
    // Leaving unlikely (boundary 0.35) needs p >= 0.37.
    [InlineData(PredictionStatus.Unlikely, 0.36, PredictionStatus.Unlikely)]
    [InlineData(PredictionStatus.Unlikely, 0.37, PredictionStatus.Uncertain)]
    [InlineData(PredictionStatus.Unlikely, 0.66, PredictionStatus.Uncertain)]
    [InlineData(PredictionStatus.Unlikely, 0.67, PredictionStatus.Likely)]
    // Not bands: they stay.
    [InlineData(PredictionStatus.Overdue, 0.9, PredictionStatus.Overdue)]
    [InlineData(PredictionStatus.Refuted, 0.9, PredictionStatus.Refuted)]
    public void Given_a_status_When_p_moves_Then_hysteresis_decides_the_next_status(PredictionStatus current, double p, PredictionStatus next) =>
        ProbabilityRules.NextStatus(current, p).ShouldBe(next);
}
