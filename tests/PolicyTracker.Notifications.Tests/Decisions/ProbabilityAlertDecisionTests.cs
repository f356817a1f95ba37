using PolicyTracker.Notifications.FanningOut;
using PolicyTracker.Notifications.Subscribing;
using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.Tests.Decisions;

/// <summary>Issue 13, item 3: when a probability move alerts a subscription, as tables.</summary>
public sealed class ProbabilityAlertDecisionTests
{
    // thresholds, previous, current, expected crossings ("0.5 up", in the order the probability passed them)
    public static TheoryData<double[], double, double, string[]> CrossingTable => new()
    {
        { [0.5], 0.45, 0.55, ["0.5 up"] },
        { [0.5], 0.55, 0.45, ["0.5 down"] },
        { [0.5], 0.30, 0.45, [] },
        { [0.5], 0.55, 0.60, [] },
        { [0.5], 0.50, 0.50, [] },
        // At the threshold counts as above: reaching it crosses, going on does not cross again.
        { [0.5], 0.40, 0.50, ["0.5 up"] },
        { [0.5], 0.50, 0.60, [] },
        { [0.5], 0.50, 0.49, ["0.5 down"] },
        { [0.5], 0.60, 0.50, [] },
        // Floating point: 0.1 + 0.2 is 0.30000000000000004, and it is at 0.3, not past it.
        { [0.3], 0.1 + 0.2, 0.35, [] },
        { [0.3], 0.25, 0.1 + 0.2, ["0.3 up"] },
        { [0.3, 0.5, 0.7], 0.20, 0.80, ["0.3 up", "0.5 up", "0.7 up"] },
        { [0.3, 0.5, 0.7], 0.80, 0.45, ["0.7 down", "0.5 down"] },
        { [0.3, 0.5, 0.7], 0.35, 0.65, ["0.5 up"] },
        { [], 0.10, 0.90, [] },
    };

    [Theory]
    [MemberData(nameof(CrossingTable))]
    public void Given_thresholds_and_a_move_When_deciding_crossings_Then_each_crossed_threshold_is_named_in_passing_order(
        double[] thresholds, double previous, double current, string[] expected) =>
        ProbabilityAlerts.Crossings(thresholds, previous, current)
            .Select(c => $"{c.Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)} {c.Direction.ToString().ToLowerInvariant()}")
            .ShouldBe(expected);

    // minimum, remembered baseline (NaN = none yet), previous, current, alert?, baseline after
    [Theory]
    [InlineData(0.1, double.NaN, 0.50, 0.55, false, 0.50)] // first move seen: measured from where it started
    [InlineData(0.1, 0.50, 0.55, 0.58, false, 0.50)] // small moves add up against the remembered baseline
    [InlineData(0.1, 0.50, 0.58, 0.60, true, 0.60)] // 0.60 - 0.50 is 0.0999…98 in binary: it still counts as 0.1
    [InlineData(0.1, 0.60, 0.60, 0.65, false, 0.60)]
    [InlineData(0.1, 0.60, 0.65, 0.49, true, 0.49)] // down counts as much as up
    [InlineData(0.1, 0.60, 0.49, 0.55, false, 0.60)] // back towards the baseline: nothing
    [InlineData(0.1, double.NaN, 0.20, 0.40, true, 0.40)] // one big first move
    [InlineData(0.25, 0.50, 0.70, 0.74, false, 0.50)]
    [InlineData(0.25, 0.50, 0.74, 0.75, true, 0.75)]
    public void Given_a_minimum_change_and_the_last_alerted_probability_When_the_probability_moves_Then_it_alerts_only_past_the_minimum(
        double minimum, double remembered, double previous, double current, bool alert, double baselineAfter)
    {
        var (alerted, baseline) = ProbabilityAlerts.Change(minimum, double.IsNaN(remembered) ? null : remembered, previous, current);
        alerted.ShouldBe(alert);
        baseline.ShouldBe(baselineAfter);
    }

    [Fact]
    public void Given_a_filter_without_a_minimum_When_the_probability_moves_Then_probability_changed_always_goes_and_nothing_is_remembered()
    {
        var filter = new SubscriptionFilter([], [], [NotificationEventTypes.ProbabilityChanged]);
        var decision = ProbabilityAlerts.Decide(filter, null, 0.50, 0.51);
        decision.Changed.ShouldBeTrue();
        decision.Crossings.ShouldBeEmpty();
        decision.Baseline.ShouldBeNull();
    }

    [Fact]
    public void Given_a_filter_with_thresholds_only_When_the_probability_crosses_Then_only_the_crossing_goes()
    {
        var filter = new SubscriptionFilter([], [], [.. NotificationEventTypes.Default, NotificationEventTypes.ProbabilityCrossed], [0.5]);
        var decision = ProbabilityAlerts.Decide(filter, null, 0.40, 0.60);
        decision.Changed.ShouldBeFalse();
        decision.Crossings.ShouldBe([new Crossing(0.5, CrossingDirection.Up)]);
        decision.Baseline.ShouldBeNull();
    }

    [Fact]
    public void Given_a_filter_with_both_When_a_small_move_crosses_Then_the_crossing_goes_and_the_change_waits()
    {
        var filter = new SubscriptionFilter([], [],
            [NotificationEventTypes.ProbabilityChanged, NotificationEventTypes.ProbabilityCrossed], [0.5], 0.1);
        var decision = ProbabilityAlerts.Decide(filter, 0.46, 0.48, 0.52);
        decision.Changed.ShouldBeFalse();
        decision.Crossings.ShouldBe([new Crossing(0.5, CrossingDirection.Up)]);
        decision.Baseline.ShouldBe(0.46);
    }

    [Fact]
    public void Given_thresholds_on_a_filter_that_no_longer_hears_crossings_When_deciding_Then_none_are_sent()
    {
        var filter = new SubscriptionFilter([], [], NotificationEventTypes.Default, [0.5]);
        ProbabilityAlerts.Decide(filter, null, 0.4, 0.6).Crossings.ShouldBeEmpty();
    }

    private static SubscribeRequest Feed(FilterRequest filter) => new(new ChannelRequest("feed", null, null), filter);

    // thresholds, minimum change, events, the field named in the error
    public static TheoryData<double[]?, double?, string[]?, string> InvalidFilters => new()
    {
        { [0.5, 1.0], null, null, "filter.probabilityCrosses" },
        { [0.0], null, null, "filter.probabilityCrosses" },
        { [-0.2], null, null, "filter.probabilityCrosses" },
        { [1.5], null, null, "filter.probabilityCrosses" },
        { null, -0.1, null, "filter.minProbabilityChange" },
        { null, 0.0, null, "filter.minProbabilityChange" },
        { null, 1.0, null, "filter.minProbabilityChange" },
        { null, null, ["probability-crossed"], "filter.probabilityCrosses" },
        { [], null, ["probability-crossed"], "filter.probabilityCrosses" },
    };

    [Theory]
    [MemberData(nameof(InvalidFilters))]
    public void Given_a_bad_threshold_or_change_When_validating_Then_the_field_is_named(double[]? thresholds, double? minimum, string[]? events, string field)
    {
        var (errors, _, filter) = SubscribeValidation.Validate(Feed(new FilterRequest(null, null, events?.ToList(), thresholds?.ToList(), minimum)));
        errors.Keys.ShouldBe([field]);
        filter.ShouldBeNull();
    }

    [Fact]
    public void Given_thresholds_and_a_minimum_without_events_When_validating_Then_the_alerts_they_govern_join_the_default_events()
    {
        var (errors, _, filter) = SubscribeValidation.Validate(Feed(new FilterRequest(null, null, null, [0.7, 0.3, 0.7], 0.1)));
        errors.ShouldBeEmpty();
        filter!.Events.ShouldBe([.. NotificationEventTypes.Default, NotificationEventTypes.ProbabilityCrossed, NotificationEventTypes.ProbabilityChanged]);
        filter.ProbabilityCrosses.ShouldBe([0.3, 0.7]);
        filter.MinProbabilityChange.ShouldBe(0.1);
    }

    [Fact]
    public void Given_explicit_events_and_thresholds_When_validating_Then_probability_crossed_is_added_to_them()
    {
        var (errors, _, filter) = SubscribeValidation.Validate(Feed(new FilterRequest(null, null, ["resolved"], [0.5], null)));
        errors.ShouldBeEmpty();
        filter!.Events.ShouldBe([NotificationEventTypes.Resolved, NotificationEventTypes.ProbabilityCrossed]);
    }
}
