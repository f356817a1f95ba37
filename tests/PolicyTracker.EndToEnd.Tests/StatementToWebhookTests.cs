using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PolicyTracker.Testing;
using StandardWebhooks;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// The walking skeleton, every step real: an analyst's statement through the gateway, Ingestion,
/// RabbitMQ, the Tracker's stream and subscription, RabbitMQ again, Notifications, and a signed
/// webhook at a local receiver.
/// </summary>
public sealed class StatementToWebhookTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    [Fact]
    public async Task A_decisive_undermining_statement_on_iran_deal_reaches_the_subscriber_as_a_signed_status_change()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var analyst = system.Client("analyst-dev-key");
        using var subscriber = system.Client("subscriber-dev-key");
        using var anonymous = system.Client();

        var iranDeal = await Eventually.Get(
            () => anonymous.GetFromJsonAsync<JsonElement>("/api/predictions/iran-deal"),
            p => p.ValueKind == JsonValueKind.Object,
            "the seeded iran-deal prediction through the gateway");
        iranDeal.GetProperty("status").GetString().ShouldBe("likely");

        var subscription = await subscriber.PostAsJsonAsync("/api/subscriptions", new
        {
            channel = new { type = "webhook", url = receiver.Url().ToString() },
            filter = new { predictionIds = new[] { "iran-deal" } },
        });
        subscription.StatusCode.ShouldBe(HttpStatusCode.Created);
        var secret = (await subscription.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;

        var statement = new
        {
            text = "Moscow announces it will no longer honour the JCPOA and backs the reimposition of UN sanctions on Iran.",
            publishedAt = "2026-11-20T10:00:00Z",
            source = new { url = $"https://example.org/e2e/{Guid.NewGuid()}", title = "End-to-end statement", publisher = "Test wire" },
            links = new[] { new { predictionId = "iran-deal", stance = "undermines", strength = "decisive" } },
        };
        // Ingestion learns the predictions from the Tracker at start-up; until then a link is refused as unknown.
        var accepted = await Eventually.Get(
            () => analyst.PostAsJsonAsync("/api/statements", statement),
            r => r.StatusCode == HttpStatusCode.Accepted,
            "Ingestion to accept a statement linked to iran-deal");
        accepted.Headers.Location.ShouldNotBeNull();

        var delivered = await Eventually.Get(
            () => Task.FromResult(receiver.Received.FirstOrDefault(r => r.Body.Contains("prediction.status-changed"))),
            r => r is not null,
            "the signed status change at the webhook receiver",
            TimeSpan.FromSeconds(60));

        var headers = new HeaderDictionary();
        foreach (var (name, value) in delivered!.Headers)
        {
            headers[name] = value;
        }
        new StandardWebhook(secret).Verify(delivered.Body, headers);
        headers["traceparent"].ToString().ShouldNotBeNullOrEmpty();
        // The signature the system sent must also fail once tampered with, in its body or its signature.
        Should.Throw<Exception>(() => new StandardWebhook(secret).Verify(delivered.Body.Replace("unlikely", "likely"), headers));
        var signature = headers["webhook-signature"].ToString();
        headers["webhook-signature"] = signature[..^4] + (signature[^4] == 'A' ? 'B' : 'A') + signature[^3..];
        Should.Throw<Exception>(() => new StandardWebhook(secret).Verify(delivered.Body, headers));

        var body = JsonDocument.Parse(delivered.Body).RootElement;
        body.GetProperty("type").GetString().ShouldBe("prediction.status-changed");
        var data = body.GetProperty("data");
        data.GetProperty("predictionId").GetString().ShouldBe("iran-deal");
        data.GetProperty("from").GetString().ShouldBe("likely");
        data.GetProperty("to").GetString().ShouldBe("unlikely");
        data.GetProperty("previousProbability").GetDouble().ShouldBe(0.75, 0.0005);
        data.GetProperty("probability").GetDouble().ShouldBe(0.198, 0.0005);
        data.GetProperty("cause").GetProperty("type").GetString().ShouldBe("development-logged");
    }

    [Fact]
    public async Task A_tampered_signature_is_rejected_by_the_independent_verifier()
    {
        // Guards the verification step above: the verifier must be able to fail.
        var secret = "whsec_" + Convert.ToBase64String(new byte[32]);
        var webhook = new StandardWebhook(secret);
        var timestamp = DateTimeOffset.UtcNow;
        var signature = webhook.Sign("msg_1", timestamp, "{\"a\":1}");
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_1",
            ["webhook-timestamp"] = timestamp.ToUnixTimeSeconds().ToString(),
            ["webhook-signature"] = signature,
        };
        webhook.Verify("{\"a\":1}", headers);
        Should.Throw<Exception>(() => webhook.Verify("{\"a\":2}", headers));
    }
}
