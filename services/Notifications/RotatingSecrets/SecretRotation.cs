using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.RotatingSecrets;

public static class SecretRotation
{
    /// <summary>
    /// The new secret signs from now on; secrets still signing keep signing until the overlap ends,
    /// so receivers can switch without dropping a webhook. Expired secrets are dropped.
    /// </summary>
    public static List<WebhookSecret> Rotate(IReadOnlyList<WebhookSecret> current, string newCipher, DateTimeOffset now, TimeSpan overlap)
    {
        var until = now + overlap;
        var kept = current
            .Where(s => s.SignsAt(now))
            .Select(s => s with { ExpiresAt = s.ExpiresAt is { } e && e < until ? e : until });
        return [.. kept, new WebhookSecret(newCipher, now, null)];
    }
}
