using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class FeedFixture : IngestionFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Feeds:TickInterval"] = "00:00:00.200",
        ["Feeds:MinimumIntervalSeconds"] = "1",
        ["Feeds:AttemptTimeout"] = "00:00:01",
        ["Feeds:Retries"] = "1",
        ["Feeds:RetryDelay"] = "00:00:00.050",
    };
}

/// <summary>Feeds served by a real local HTTP server whose answers each test scripts.</summary>
public sealed class FeedTests(FeedFixture ingestion) : IClassFixture<FeedFixture>
{
    private sealed class FeedResult(string body, string contentType, string? etag) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = contentType;
            if (etag is not null)
            {
                context.Response.Headers.ETag = etag;
            }
            await context.Response.WriteAsync(body);
        }
    }

    private static string Rss(string marker) => $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0"><channel><title>Test Wire</title><link>https://wire.example.org</link><description>d</description>
          <item><title>Russia extends sanctions countermeasures {marker}</title><link>https://wire.example.org/{marker}/1</link>
            <description>&lt;p&gt;Moscow answers the EU's sanctions renewal.&lt;/p&gt;</description><pubDate>Tue, 08 May 2018 10:00:00 GMT</pubDate></item>
          <item><title>Weather in Moscow {marker}</title><link>https://wire.example.org/{marker}/2</link><pubDate>Wed, 09 May 2018 10:00:00 +0000</pubDate></item>
        </channel></rss>
        """;

    private static string Atom(string marker) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title><id>urn:x</id><updated>2019-10-01T00:00:00Z</updated>
          <entry><title>Kyiv accepts the Steinmeier formula {marker}</title><id>urn:1</id><link rel="alternate" href="https://atom.example.org/{marker}"/>
            <published>2019-10-01T12:00:00Z</published><summary>Local elections in the Donbas would follow.</summary></entry>
        </feed>
        """;

    private async Task<JsonElement> RegisterAndWaitAsync(HttpClient client, Uri url, Func<JsonElement, bool> until, string what)
    {
        var created = await client.PostAsJsonAsync("/api/feeds", new { url = url.ToString(), pollIntervalSeconds = 1 });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var location = created.Headers.Location!.ToString();
        return await Eventually.Get(() => client.GetFromJsonAsync<JsonElement>(location), until, what);
    }

    private static string? Outcome(JsonElement feed) =>
        feed.GetProperty("lastPoll").ValueKind == JsonValueKind.Object ? feed.GetProperty("lastPoll").GetProperty("outcome").GetString() : null;

    [Fact]
    public async Task An_rss_feed_becomes_statements_and_the_next_poll_is_a_conditional_get_answered_304()
    {
        await using var server = await WebhookReceiver.StartAsync();
        var marker = Guid.NewGuid().ToString("N");
        server.Respond = (request, _) => Task.FromResult<IResult>(request.Headers.TryGetValue("if-none-match", out var tag) && tag == "\"v1\""
            ? Results.StatusCode(304)
            : new FeedResult(Rss(marker), "application/rss+xml", "\"v1\""));
        using var client = ingestion.Client();

        var feed = await RegisterAndWaitAsync(client, server.Url("/rss"), f => Outcome(f) == "not-modified", "a second, conditional poll");

        server.Received.Skip(1).First().Headers["if-none-match"].ShouldBe("\"v1\"");
        var statements = await client.GetFromJsonAsync<JsonElement>($"/api/statements?q={marker}");
        statements.GetArrayLength().ShouldBe(2);
        var sanctions = statements.EnumerateArray().Single(s => s.GetProperty("text").GetString()!.Contains("sanctions"));
        sanctions.GetProperty("source").GetProperty("url").GetString().ShouldBe($"https://wire.example.org/{marker}/1");
        sanctions.GetProperty("source").GetProperty("publisher").GetString().ShouldBe("Test Wire");
        sanctions.GetProperty("publishedAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2018, 5, 8, 10, 0, 0, TimeSpan.Zero));
        sanctions.GetProperty("text").GetString()!.ShouldNotContain("<p>");
        sanctions.GetProperty("state").GetString().ShouldBe("triage");
        feed.GetProperty("etag").GetString().ShouldBe("\"v1\"");
    }

    [Fact]
    public async Task An_atom_feed_polled_again_without_validators_adds_no_duplicates()
    {
        await using var server = await WebhookReceiver.StartAsync();
        var marker = Guid.NewGuid().ToString("N");
        server.Respond = (_, _) => Task.FromResult<IResult>(new FeedResult(Atom(marker), "application/atom+xml", null));
        using var client = ingestion.Client();

        var feed = await RegisterAndWaitAsync(client, server.Url("/atom"),
            f => Outcome(f) == "ok" && f.GetProperty("lastPoll").GetProperty("duplicates").GetInt32() == 1, "a re-poll that finds the item already known");

        feed.GetProperty("lastPoll").GetProperty("accepted").GetInt32().ShouldBe(0);
        var statements = await client.GetFromJsonAsync<JsonElement>($"/api/statements?q={marker}");
        statements.GetArrayLength().ShouldBe(1);
        statements[0].GetProperty("source").GetProperty("url").GetString().ShouldBe($"https://atom.example.org/{marker}");
    }

    [Fact]
    public async Task A_feed_answering_500_is_retried_and_recorded_as_failed()
    {
        await using var server = await WebhookReceiver.StartAsync();
        server.Respond = (_, _) => Task.FromResult(Results.StatusCode(500));
        using var client = ingestion.Client();

        // A poll whose attempts time out (1 s, on a loaded machine) fails without a status code; the next
        // poll, a second later, gets the receiver's answer.
        var feed = await RegisterAndWaitAsync(client, server.Url("/broken"),
            f => Outcome(f) == "failed" && f.GetProperty("lastPoll").GetProperty("statusCode").ValueKind == JsonValueKind.Number, "a failed poll that got an answer");

        feed.GetProperty("lastPoll").GetProperty("statusCode").GetInt32().ShouldBe(500);
        server.Received.Count.ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task A_feed_that_does_not_answer_in_time_is_recorded_as_a_timeout()
    {
        await using var server = await WebhookReceiver.StartAsync();
        server.Respond = async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            return Results.Ok();
        };
        using var client = ingestion.Client();

        var feed = await RegisterAndWaitAsync(client, server.Url("/slow"), f => Outcome(f) == "failed", "the timed-out poll");

        feed.GetProperty("lastPoll").GetProperty("error").GetString().ShouldBe("timeout");
    }

    [Fact]
    public async Task A_feed_that_is_not_xml_is_recorded_as_failed_and_polling_goes_on()
    {
        await using var server = await WebhookReceiver.StartAsync();
        server.Respond = (_, _) => Task.FromResult<IResult>(new FeedResult("{\"this\": \"is json\"}", "application/json", null));
        using var client = ingestion.Client();

        var feed = await RegisterAndWaitAsync(client, server.Url("/json"), f => Outcome(f) == "failed", "the failed poll");

        feed.GetProperty("lastPoll").GetProperty("error").GetString()!.ShouldStartWith("not XML");
        await Eventually.True(() => Task.FromResult(server.Received.Count >= 2), "a later poll of the same feed");
    }

    [Theory]
    [InlineData("""{"url":"not a url","pollIntervalSeconds":60}""", "url")]
    [InlineData("""{"url":"https://example.org/feed","pollIntervalSeconds":0}""", "pollIntervalSeconds")]
    public async Task A_bad_feed_registration_is_400_naming_the_field(string json, string field)
    {
        using var client = ingestion.Client();
        var response = await client.PostAsync("/api/feeds", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }
}
