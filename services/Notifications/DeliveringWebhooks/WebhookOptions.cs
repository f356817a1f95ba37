namespace PolicyTracker.Notifications.DeliveringWebhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>The Standard Webhooks example schedule: the delay before each attempt.</summary>
    public static readonly TimeSpan[] DefaultRetrySchedule =
    [
        TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    /// <summary>Base64 of 32 bytes: the AES-GCM key webhook secrets are encrypted with at rest.</summary>
    public string? SecretKey { get; set; }
    public bool AllowPrivateNetworks { get; set; }
    // Null means the default: the configuration binder appends to a pre-filled array instead of replacing it.
    public TimeSpan[]? RetrySchedule { get; set; }
    public double Jitter { get; set; } = 0.2;
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan SecretRotationOverlap { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How long a claim hides a delivery from other workers. Short, so a crashed worker's claims come
    /// back within seconds; a live worker renews the claims of its unfinished work every <see cref="ClaimHeartbeat"/>.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>How often a worker renews its claims; null means a third of the lease (two renewals may fail before a claim lapses).</summary>
    public TimeSpan? ClaimHeartbeat { get; set; }
    public TimeSpan Heartbeat => ClaimHeartbeat is { } h && h > TimeSpan.Zero ? h : ClaimLease / 3;
    public int ClaimBatchSize { get; set; } = 500;
    public int MaxParallelSends { get; set; } = 256;
    public int MaxParallelSendsPerEndpoint { get; set; } = 64;
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;
    public int CircuitBreakerMinimumThroughput { get; set; } = 20;
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<TimeSpan> Schedule => RetrySchedule is { Length: > 0 } s ? s : DefaultRetrySchedule;
}
