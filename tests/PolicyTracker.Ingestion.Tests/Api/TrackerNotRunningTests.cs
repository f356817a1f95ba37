using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class TrackerNotConsumingFixture : IngestionFixture
{
    protected override bool TrackerConsumesCommands => false;
}

/// <summary>
/// Commands sent before the Tracker has ever started must wait in its queue, and that queue must be
/// one the Tracker can later declare as its own (a durable classic queue).
/// </summary>
public sealed class TrackerNotRunningTests(TrackerNotConsumingFixture ingestion) : IClassFixture<TrackerNotConsumingFixture>
{
    [Fact]
    public async Task A_development_sent_before_the_tracker_consumes_waits_in_its_queue_and_is_delivered_when_it_starts()
    {
        using var client = ingestion.Client();
        var response = await client.PostAsJsonAsync("/api/statements", new
        {
            text = "Moscow said the nuclear agreement with Tehran remains in force.",
            publishedAt = "2018-05-09",
            links = new[] { new { predictionId = "iran-deal", stance = "supports", strength = "weak" } },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var queue = await Eventually.Get(
            () => ingestion.Infrastructure.QueueAsync("log-development"),
            q => q.TryGetProperty("messages", out var m) && m.GetInt32() >= 1,
            "the command waiting in the tracker's queue");
        queue.GetProperty("type").GetString().ShouldBe("classic");
        queue.GetProperty("durable").GetBoolean().ShouldBeTrue();

        await using var tracker = await TestTracker.StartAsync(ingestion.Infrastructure, EssayCatalog.Predictions, consumeCommands: true, answerCatalog: false);
        var received = await Eventually.Get(() => Task.FromResult(tracker.For(id)), m => m.Count > 0, "the waiting command delivered");
        received[0].DevelopmentId.ShouldBe(DevelopmentIds.For(id, "iran-deal"));
    }
}
