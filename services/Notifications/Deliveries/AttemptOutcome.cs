namespace PolicyTracker.Notifications.Deliveries;

/// <summary>What one attempt produced, as the decision needs it.</summary>
public sealed record AttemptResult(int? StatusCode, TimeSpan? RetryAfter, string? Error)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
    public bool Gone => StatusCode == 410;
}

public sealed record AttemptDecision(string State, DateTimeOffset? NextAttemptAt, bool DisableSubscription);

public static class AttemptOutcome
{
    /// <summary>
    /// 2xx delivered; 410 gone (the subscription is disabled); anything else retried after the
    /// schedule's next delay with jitter, or after Retry-After when the receiver asks for longer,
    /// and dead after the last attempt. <paramref name="attempts"/> counts the attempt just made.
    /// </summary>
    public static AttemptDecision Decide(
        AttemptResult result, int attempts, IReadOnlyList<TimeSpan> schedule, DateTimeOffset now,
        double jitter, double random, TimeSpan maxRetryAfter)
    {
        if (result.Succeeded)
        {
            return new(DeliveryStates.Delivered, null, false);
        }
        if (result.Gone)
        {
            return new(DeliveryStates.Dead, null, true);
        }
        if (attempts >= schedule.Count)
        {
            return new(DeliveryStates.Dead, null, false);
        }
        var delay = schedule[attempts] * (1 + jitter * random);
        if (result.RetryAfter is { } retryAfter)
        {
            var asked = retryAfter < maxRetryAfter ? retryAfter : maxRetryAfter;
            delay = asked > delay ? asked : delay;
        }
        return new(DeliveryStates.Failed, now + delay, false);
    }
}
