namespace PolicyTracker.Notifications.Retention;

public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>How long a delivered delivery stays readable in a subscription's delivery list.</summary>
    public TimeSpan Delivered { get; set; } = TimeSpan.FromDays(30);
    /// <summary>How long a dead delivery waits to be redelivered by hand before it goes.</summary>
    public TimeSpan Dead { get; set; } = TimeSpan.FromDays(90);
    /// <summary>
    /// How long a processed-message record guards against a redelivered message. Far longer than any
    /// broker redelivery or subscription replay takes.
    /// </summary>
    public TimeSpan ProcessedMessages { get; set; } = TimeSpan.FromDays(30);
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>Rows removed per statement: short transactions that never hold many locks.</summary>
    public int BatchSize { get; set; } = 500;
}
