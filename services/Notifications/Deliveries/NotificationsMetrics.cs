using System.Diagnostics.Metrics;

namespace PolicyTracker.Notifications.Deliveries;

/// <summary>
/// Delivery instruments on the meter named "PolicyTracker", which ServiceDefaults already exports.
/// </summary>
public sealed class NotificationsMetrics
{
    public const string MeterName = "PolicyTracker";
    private readonly Counter<long> _attempted;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dead;
    private readonly Histogram<double> _latency;

    public NotificationsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _attempted = meter.CreateCounter<long>("policytracker.notifications.deliveries.attempted", "{attempt}", "Delivery attempts made.");
        _delivered = meter.CreateCounter<long>("policytracker.notifications.deliveries.delivered", "{delivery}", "Deliveries the receiver accepted.");
        _failed = meter.CreateCounter<long>("policytracker.notifications.deliveries.failed", "{attempt}", "Attempts that failed and will be retried.");
        _dead = meter.CreateCounter<long>("policytracker.notifications.deliveries.dead", "{delivery}", "Deliveries given up after the last attempt.");
        _latency = meter.CreateHistogram<double>("policytracker.notifications.delivery.latency", "ms",
            "From the event's recorded time to the receiver's 2xx.");
    }

    public void Attempted(string channel) => _attempted.Add(1, new KeyValuePair<string, object?>("channel", channel));
    public void Failed(string channel) => _failed.Add(1, new KeyValuePair<string, object?>("channel", channel));
    public void Dead(string channel) => _dead.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void Delivered(string channel, TimeSpan latency)
    {
        _delivered.Add(1, new KeyValuePair<string, object?>("channel", channel));
        _latency.Record(latency.TotalMilliseconds, new KeyValuePair<string, object?>("channel", channel));
    }
}
