using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Notifications.Deliveries;

public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    /// <summary>An attempt failed and another is scheduled.</summary>
    public const string Failed = "failed";
    public const string Dead = "dead";
}

public sealed record EmailContent(string Subject, string Text, string Html);

/// <summary>
/// One event for one subscription, durable until delivered or dead. The id is derived from the event
/// id and the subscription id, so the same event can never create a second delivery.
/// </summary>
public sealed class Delivery
{
    public Guid Id { get; set; }
    public Guid EventId { get; set; }
    public Guid SubscriptionId { get; set; }
    public string Owner { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Target { get; set; } = "";
    public string Type { get; set; } = "";
    public string PredictionId { get; set; } = "";
    public long Version { get; set; }
    /// <summary>
    /// Orders the alerts one message makes for one subscription, which share its version: the
    /// probability change, then each threshold crossed in the order the probability passed it.
    /// </summary>
    public int SequenceInVersion { get; set; }
    public string Body { get; set; } = "";
    public EmailContent? Email { get; set; }
    public string? TraceParent { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string State { get; set; } = DeliveryStates.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    /// <summary>Set only by the worker's claim (SQL); a claim is hidden from other workers until it passes.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Standard Webhooks' webhook-id: the same on every attempt.</summary>
    public string WebhookId => $"msg_{Id:N}";

    public static Guid IdFor(Guid eventId, Guid subscriptionId) => DeterministicIds.Sha256(eventId, subscriptionId, markVersion8: true);
}

public sealed record DeliveryResponse(
    Guid Id, string WebhookId, string Type, string Channel, string PredictionId, long Version, string State,
    int Attempts, int? LastStatusCode, DateTimeOffset? LastAttemptAt, string? LastError, DateTimeOffset? NextAttemptAt)
{
    public static DeliveryResponse From(Delivery d) =>
        new(d.Id, d.WebhookId, "prediction." + d.Type, d.Channel, d.PredictionId, d.Version, d.State, d.Attempts,
            d.LastStatusCode, d.LastAttemptAt, d.LastError,
            d.State is DeliveryStates.Pending or DeliveryStates.Failed ? d.NextAttemptAt : null);
}
