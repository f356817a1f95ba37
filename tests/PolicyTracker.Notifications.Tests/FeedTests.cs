using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed class FeedTests(NotificationsFixture fixture)
{
    private sealed record ServerSentEvent(string? Id, string? Type, string Data);

    private static async Task<ServerSentEvent> NextAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? id = null, type = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new ServerSentEvent(id, type, string.Join('\n', data));
                }
                continue;
            }
            if (line.StartsWith("id: ")) id = line[4..];
            else if (line.StartsWith("event: ")) type = line[7..];
            else if (line.StartsWith("data: ")) data.Add(line[6..]);
        }
        throw new EndOfStreamException();
    }

    /// <summary>The next alert about <paramref name="predictionId"/>: the subscriber's feed also carries other tests' alerts.</summary>
    private static async Task<ServerSentEvent> NextAboutAsync(StreamReader reader, string predictionId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = await NextAsync(reader, cancellationToken);
            if (JsonDocument.Parse(next.Data).RootElement.GetProperty("predictionId").GetString() == predictionId)
            {
                return next;
            }
        }
    }

    private static async Task<(HttpResponseMessage Response, StreamReader Reader)> OpenAsync(HttpClient client, string? lastEventId, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/feed/stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
    }

    [Fact]
    public async Task The_stream_delivers_a_live_alert_and_resumes_after_the_last_event_id()
    {
        using var client = fixture.Client("subscriber2-dev-key");
        var predictionId = NotificationsFixture.NewPredictionId();
        await NotificationsFixture.SubscribeAsync(client, new { type = "feed" }, new { predictionIds = new[] { predictionId } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Connected from the start of the feed, and left open while the alert is raised.
        var opening = OpenAsync(client, "0", timeout.Token);
        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 3));
        var (response, reader) = await opening;
        ServerSentEvent first;
        using (response)
        using (reader)
        {
            first = await NextAboutAsync(reader, predictionId, timeout.Token);
        }
        first.Type.ShouldBe("alert");
        var alert = JsonDocument.Parse(first.Data).RootElement;
        alert.GetProperty("predictionId").GetString().ShouldBe(predictionId);
        alert.GetProperty("type").GetString().ShouldBe("prediction.status-changed");
        alert.GetProperty("data").GetProperty("to").GetString().ShouldBe("unlikely");
        first.Id.ShouldBe(alert.GetProperty("id").GetInt64().ToString());

        // Raised while disconnected: the next connection resumes from the last id it saw.
        var missed = await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 4, Contracts.Tracker.PredictionStatus.Unlikely, Contracts.Tracker.PredictionStatus.Uncertain));
        await fixture.WaitConsumedAsync(missed);
        var (again, resumed) = await OpenAsync(client, first.Id!, timeout.Token);
        using (again)
        using (resumed)
        {
            var next = await NextAboutAsync(resumed, predictionId, timeout.Token);
            long.Parse(next.Id!).ShouldBeGreaterThan(long.Parse(first.Id!));
            var nextAlert = JsonDocument.Parse(next.Data).RootElement;
            nextAlert.GetProperty("version").GetInt64().ShouldBe(4);
            nextAlert.GetProperty("data").GetProperty("to").GetString().ShouldBe("uncertain");
        }

        var feed = await client.GetFromJsonAsync<JsonElement>("/api/feed");
        feed.EnumerateArray().Where(a => a.GetProperty("predictionId").GetString() == predictionId)
            .Select(a => a.GetProperty("version").GetInt64()).ShouldBe([4, 3]);
        using var owner = fixture.Client();
        (await owner.GetFromJsonAsync<JsonElement>("/api/feed")).EnumerateArray()
            .ShouldNotContain(a => a.GetProperty("predictionId").GetString() == predictionId);
    }

    [Fact]
    public async Task A_new_connection_without_Last_Event_ID_receives_only_alerts_raised_after_it()
    {
        using var client = fixture.Client("subscriber2-dev-key");
        var predictionId = NotificationsFixture.NewPredictionId();
        await NotificationsFixture.SubscribeAsync(client, new { type = "feed" }, new { predictionIds = new[] { predictionId } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var earlier = await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 7));
        await fixture.WaitConsumedAsync(earlier);

        var (response, reader) = await OpenAsync(client, null, timeout.Token);
        using (response)
        using (reader)
        {
            await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 8, Contracts.Tracker.PredictionStatus.Unlikely, Contracts.Tracker.PredictionStatus.Likely));
            var next = await NextAboutAsync(reader, predictionId, timeout.Token);
            JsonDocument.Parse(next.Data).RootElement.GetProperty("version").GetInt64().ShouldBe(8);
        }
    }
}
