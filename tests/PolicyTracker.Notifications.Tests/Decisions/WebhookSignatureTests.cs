using Microsoft.AspNetCore.Http;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Tests.Support;
using StandardWebhooks;

namespace PolicyTracker.Notifications.Tests.Decisions;

/// <summary>
/// Our signer against an independent Standard Webhooks verifier: what we sign verifies, and every kind
/// of tampering (body, signature, secret) is rejected, so a signer that signed the wrong thing would show.
/// </summary>
public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    private const string Body = """{"type":"prediction.status-changed","data":{"to":"unlikely"}}""";

    private static HeaderDictionary Headers(long timestamp, string signature) => new()
    {
        ["webhook-id"] = "msg_1",
        ["webhook-timestamp"] = timestamp.ToString(),
        ["webhook-signature"] = signature,
    };

    [Fact]
    public void A_webhook_we_signed_verifies_and_a_tampered_one_is_rejected()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = WebhookSignature.Header("msg_1", timestamp, Body, [Secret]);
        var verifier = new StandardWebhook(Secret);

        verifier.Verify(Body, Headers(timestamp, signature));

        Should.Throw<Exception>(() => verifier.Verify(Body.Replace("unlikely", "likely"), Headers(timestamp, signature)));
        var flipped = signature[..^4] + (signature[^4] == 'A' ? 'B' : 'A') + signature[^3..];
        Should.Throw<Exception>(() => verifier.Verify(Body, Headers(timestamp, flipped)));
        Should.Throw<Exception>(() => new StandardWebhook(NotificationsFixture.OtherSecret).Verify(Body, Headers(timestamp, signature)));
    }
}
