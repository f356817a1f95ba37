using PolicyTracker.Notifications.Deliveries;

namespace PolicyTracker.Notifications.Tests.Decisions;

public sealed class AttemptOutcomeTests
{
    private static readonly TimeSpan[] Schedule = [TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5)];
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    private static AttemptDecision Decide(AttemptResult result, int attempts, double random = 0) =>
        AttemptOutcome.Decide(result, attempts, Schedule, Now, jitter: 0.2, random, TimeSpan.FromHours(1));

    [Fact]
    public void Given_a_2xx_When_deciding_Then_delivered() =>
        Decide(new AttemptResult(204, null, null), 1).State.ShouldBe(DeliveryStates.Delivered);

    [Fact]
    public void Given_a_410_When_deciding_Then_dead_and_the_subscription_disabled()
    {
        var decision = Decide(new AttemptResult(410, null, null), 1);
        decision.State.ShouldBe(DeliveryStates.Dead);
        decision.DisableSubscription.ShouldBeTrue();
    }

    [Fact]
    public void Given_a_500_on_the_first_attempt_When_deciding_Then_retried_after_the_second_delay_with_jitter()
    {
        var decision = Decide(new AttemptResult(500, null, null), 1, random: 0.5);
        decision.State.ShouldBe(DeliveryStates.Failed);
        decision.NextAttemptAt.ShouldBe(Now + TimeSpan.FromSeconds(5 * 1.1));
    }

    [Fact]
    public void Given_a_429_with_a_longer_Retry_After_When_deciding_Then_the_receiver_is_honoured() =>
        Decide(new AttemptResult(429, TimeSpan.FromSeconds(30), null), 1).NextAttemptAt.ShouldBe(Now + TimeSpan.FromSeconds(30));

    [Fact]
    public void Given_a_Retry_After_beyond_the_cap_When_deciding_Then_the_cap_applies() =>
        Decide(new AttemptResult(503, TimeSpan.FromDays(3), null), 1).NextAttemptAt.ShouldBe(Now + TimeSpan.FromHours(1));

    [Fact]
    public void Given_a_timeout_on_the_last_attempt_When_deciding_Then_dead()
    {
        var decision = Decide(new AttemptResult(null, null, "No answer within 15 s."), Schedule.Length);
        decision.State.ShouldBe(DeliveryStates.Dead);
        decision.DisableSubscription.ShouldBeFalse();
    }
}
