using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Marten;
using PolicyTracker.Ingestion.Feeds;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>Ingestion as outside Development: feed URLs on internal networks are refused, as webhook URLs are.</summary>
public sealed class GuardedFeedFixture : IngestionFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Feeds:AllowPrivateNetworks"] = "false",
        ["Feeds:TickInterval"] = "00:00:00.200",
        ["Feeds:MinimumIntervalSeconds"] = "1",
        ["Feeds:AttemptTimeout"] = "00:00:01",
        ["Feeds:Retries"] = "1",
        ["Feeds:RetryDelay"] = "00:00:00.050",
    };
}

/// <summary>Issue 10, item 5: a feed URL with CR/LF was accepted and stored as-is; internal addresses were not checked.</summary>
public sealed class FeedUrlTests(GuardedFeedFixture ingestion) : IClassFixture<GuardedFeedFixture>
{
    private async Task<HttpResponseMessage> RegisterAsync(string url)
    {
        using var client = ingestion.Client();
        var json = JsonSerializer.Serialize(new { url, pollIntervalSeconds = 3600 });
        return await client.PostAsync("/api/feeds", new StringContent(json, Encoding.UTF8, "application/json"));
    }

    private static async Task<string> UrlErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty("url")[0].GetString()!;
    }

    [Theory]
    [InlineData("https://feeds.example.org/rss\r\nX-Injected: 1")]
    [InlineData("https://feeds.example.org/r\nss")]
    [InlineData("https://feeds.example.org/r\tss")]
    [InlineData("https://feeds.example.org/r ss")]
    [InlineData("https://feeds.example.org/\u0085rss")]
    public async Task A_feed_url_with_control_characters_or_spaces_is_refused(string url)
    {
        (await UrlErrorAsync(await RegisterAsync(url))).ShouldContain("control characters");
    }

    [Theory]
    [InlineData("ftp://feeds.example.org/rss", "http or https")]
    [InlineData("file:///etc/passwd", "http or https")]
    [InlineData("/relative/rss", "http or https")]
    [InlineData("https://user:pass@feeds.example.org/rss", "credentials")]
    public async Task A_feed_url_that_is_not_plain_absolute_http_is_refused(string url, string reason)
    {
        (await UrlErrorAsync(await RegisterAsync(url))).ShouldContain(reason);
    }

    [Theory]
    [InlineData("http://127.0.0.1/rss")]
    [InlineData("http://localhost:8081/rss")]
    [InlineData("http://[::1]/rss")]
    [InlineData("http://10.0.0.5/rss")]
    [InlineData("http://192.168.1.1/rss")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::ffff:127.0.0.1]/rss")]
    [InlineData("http://0.0.0.0/rss")]
    [InlineData("http://2130706433/rss")]
    [InlineData("http://0x7f000001/rss")]
    public async Task A_feed_url_on_an_internal_network_is_refused_outside_development(string url)
    {
        (await UrlErrorAsync(await RegisterAsync(url))).ShouldContain("internal address");
    }

    [Fact]
    public async Task A_feed_url_on_a_public_address_is_registered()
    {
        // 192.0.2.0/24 is reserved for documentation: public in form, never polled successfully.
        var response = await RegisterAsync($"http://192.0.2.{Random.Shared.Next(1, 250)}/{Guid.NewGuid():N}.xml");

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_feed_that_reaches_an_internal_address_anyway_is_refused_at_connect_time()
    {
        // As if DNS had changed since registration: the stored feed points at a loopback server.
        await using var server = await WebhookReceiver.StartAsync();
        var feed = new Feed
        {
            Id = Guid.NewGuid(),
            Url = server.Url("/rss").ToString(),
            PollIntervalSeconds = 3600,
            NextPollAt = DateTimeOffset.UtcNow,
            CreatedBy = "test",
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var session = ingestion.Store.LightweightSession())
        {
            session.Store(feed);
            await session.SaveChangesAsync();
        }
        using var client = ingestion.Client();

        var polled = await Eventually.Get(
            () => client.GetFromJsonAsync<JsonElement>($"/api/feeds/{feed.Id}"),
            f => f.GetProperty("lastPoll").ValueKind == JsonValueKind.Object,
            "the first poll of the stored feed");

        polled.GetProperty("lastPoll").GetProperty("outcome").GetString().ShouldBe("failed");
        polled.GetProperty("lastPoll").GetProperty("error").GetString()!.ShouldContain("internal addresses");
        server.Received.ShouldBeEmpty();
    }
}
