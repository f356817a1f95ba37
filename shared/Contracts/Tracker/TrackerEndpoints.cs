namespace PolicyTracker.Contracts.Tracker;

/// <summary>
/// Queue the Tracker consumes commands from. Senders address it directly (queue:log-development)
/// so commands wait in RabbitMQ even when the Tracker is not running yet. MassTransit declares a
/// queue: address as a classic queue, so the Tracker declares this one classic too (RabbitMQ
/// refuses a second declaration with another x-queue-type); every other endpoint may be quorum.
/// </summary>
public static class TrackerEndpoints
{
    public const string LogDevelopment = "log-development";
    public static readonly Uri LogDevelopmentAddress = new($"queue:{LogDevelopment}");
}
