using System.Net;

namespace PolicyTracker.EndToEnd.Tests.Hardening;

/// <summary>Issue 10, item 3: the live feed through the gateway answered nothing until the first alert.</summary>
[Collection(HardenedSystemCollection.Name)]
public sealed class FeedStreamTests(HardenedSystem system)
{
    [Fact]
    public async Task The_feed_stream_through_the_gateway_opens_at_once_with_a_comment_and_sends_heartbeats()
    {
        using var client = system.Client("subscriber-dev-key");
        // Generous: the point is that headers come with no alert at all, which used to never happen.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        using var response = await client.GetAsync("/api/feed/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        (await reader.ReadLineAsync(timeout.Token)).ShouldBe(": connected");
        (await reader.ReadLineAsync(timeout.Token)).ShouldBe("");
        // The system under test beats every second; three beats show they are periodic. Alerts that
        // other tests' statements raise for this subscriber may come in between.
        var beats = 0;
        while (beats < 3 && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            beats += line == ": heartbeat" ? 1 : 0;
        }
        beats.ShouldBe(3);
    }
}
