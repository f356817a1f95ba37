using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.Notifications.Tests.Support;
using PolicyTracker.ServiceDefaults.Networking;

namespace PolicyTracker.Notifications.Tests;

/// <summary>Notifications as outside Development: webhooks to internal addresses are refused.</summary>
public sealed class GuardedNotificationsFixture : NotificationsFixture
{
    protected override Dictionary<string, string?> Settings(int smtpPort)
    {
        var settings = base.Settings(smtpPort);
        settings["Webhooks:AllowPrivateNetworks"] = "false";
        return settings;
    }
}

public sealed class SsrfTests(GuardedNotificationsFixture fixture) : IClassFixture<GuardedNotificationsFixture>
{
    [Theory]
    [InlineData("http://127.0.0.1/hook")]
    [InlineData("http://localhost:8080/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://[::ffff:10.0.0.1]/hook")]
    [InlineData("http://2130706433/hook")]
    [InlineData("http://0x7f000001/hook")]
    [InlineData("http://0177.0.0.1/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.16.0.1/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://224.0.0.1/hook")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[::]/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.org/")]
    public async Task Webhooks_to_internal_or_non_http_addresses_are_refused_with_400(string url)
    {
        using var client = fixture.Client();
        var response = await client.PostAsJsonAsync("/api/subscriptions", new { channel = new { type = "webhook", url } });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty("channel.url", out _).ShouldBeTrue(problem.GetRawText());
    }

    [Fact]
    public async Task A_webhook_whose_host_turned_internal_after_registration_is_never_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var predictionId = NotificationsFixture.NewPredictionId();
        // As if DNS changed after registration: the stored URL now points at a loopback receiver.
        var store = fixture.Factory.Services.GetRequiredService<IDocumentStore>();
        var secrets = fixture.Factory.Services.GetRequiredService<WebhookSecrets>();
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            Owner = "dev-subscriber",
            Channel = new Channel(ChannelTypes.Webhook, receiver.Url().ToString(), null),
            Filter = new SubscriptionFilter([predictionId], [], NotificationEventTypes.Default),
            Secrets = [new WebhookSecret(secrets.Encrypt(WebhookSecrets.Generate()), DateTimeOffset.UtcNow, null)],
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var session = store.LightweightSession())
        {
            session.Store(subscription);
            await session.SaveChangesAsync();
        }

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        using var client = fixture.Client();
        var dead = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscription.Id),
            d => d.Length == 1 && d[0].GetProperty("state").GetString() == "dead", "the refused delivery to die");
        dead[0].GetProperty("lastError").GetString()!.ShouldContain("internal");
        receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task At_delivery_time_a_connection_to_an_internal_address_is_refused()
    {
        // DNS can change after registration: the connect callback refuses whatever the name resolves to now.
        await using var receiver = await WebhookReceiver.StartAsync();
        await Should.ThrowAsync<HttpRequestException>(() =>
            NetworkGuard.ConnectAsync(new DnsEndPoint("localhost", receiver.BaseAddress.Port), allowPrivateNetworks: false, CancellationToken.None).AsTask());
        await using var allowed = await NetworkGuard.ConnectAsync(new DnsEndPoint("127.0.0.1", receiver.BaseAddress.Port), allowPrivateNetworks: true, CancellationToken.None);
        allowed.CanWrite.ShouldBeTrue();
    }
}
