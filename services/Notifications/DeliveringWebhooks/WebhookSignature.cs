using System.Security.Cryptography;
using System.Text;

namespace PolicyTracker.Notifications.DeliveringWebhooks;

/// <summary>Standard Webhooks v1 signatures: one "v1,&lt;base64&gt;" per signing secret, space-separated.</summary>
public static class WebhookSignature
{
    public static string Sign(string webhookId, long timestamp, string body, string secret)
    {
        var content = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(Subscriptions.WebhookSecrets.KeyOf(secret), content));
    }

    public static string Header(string webhookId, long timestamp, string body, IEnumerable<string> secrets) =>
        string.Join(' ', secrets.Select(s => Sign(webhookId, timestamp, body, s)));
}
