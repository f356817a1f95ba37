namespace PolicyTracker.Notifications.DeliveringEmail;

public sealed class EmailOptions
{
    public const string Section = "Email";
    public string SmtpHost { get; set; } = "127.0.0.1";
    public int SmtpPort { get; set; } = 1025;
    public bool UseTls { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "PolicyTracker <alerts@policytracker.local>";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
}
