namespace PolicyTracker.Notifications.FanningOut;

/// <summary>Written in the same transaction as a message's effects: a redelivered message finds it and does nothing.</summary>
public sealed class ProcessedMessage
{
    public Guid Id { get; set; }
    public string MessageType { get; set; } = "";
    public DateTimeOffset ProcessedAt { get; set; }
}
