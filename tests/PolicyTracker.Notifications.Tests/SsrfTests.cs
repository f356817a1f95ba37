using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Tests.Support;

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
