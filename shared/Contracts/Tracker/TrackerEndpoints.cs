namespace PolicyTracker.Contracts.Tracker;

/// <summary>
/// Where the Tracker takes commands: the consistent-hash exchange log-development-by-prediction, keyed by
/// prediction id, over the partition queues log-development-0..N-1 (quorum, single active consumer). Senders
/// publish LogDevelopment (the publish topology declares the exchange with every partition bound, so commands
/// wait in RabbitMQ even before the Tracker first starts); a send to <see cref="LogDevelopmentAddress"/> reaches
/// the same exchange once it exists.
/// </summary>
public static class TrackerEndpoints
{
    public const string LogDevelopment = "log-development";
    public const string LogDevelopmentExchange = LogDevelopment + "-by-prediction";
    public static readonly Uri LogDevelopmentAddress = new($"exchange:{LogDevelopmentExchange}?type=x-consistent-hash");
}
