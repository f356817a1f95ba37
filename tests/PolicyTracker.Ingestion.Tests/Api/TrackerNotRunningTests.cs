using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class TrackerNotConsumingFixture : IngestionFixture
{
    protected override bool TrackerConsumesCommands => false;
}

/// <summary>
/// Commands sent before the Tracker has ever started must wait in its partition queues, and those must be
/// the ones the Tracker later declares as its own (durable quorum queues with single active consumer).
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

        // The command waits in one of the Tracker's partition queues, declared by the publisher as the Tracker declares them.
        var partitions = Enumerable.Range(0, new PartitionOptions().Count).Select(PredictionPartitions.LogDevelopment.Queue).ToList();
        var queues = await Eventually.Get(
            async () => await Task.WhenAll(partitions.Select(ingestion.Infrastructure.QueueAsync)),
            qs => qs.Sum(q => q.ValueKind == JsonValueKind.Object && q.TryGetProperty("messages", out var m) ? m.GetInt32() : 0) >= 1,
            "the command waiting in one of the tracker's partition queues");
        foreach (var queue in queues)
        {
            queue.GetProperty("type").GetString().ShouldBe("quorum");
            queue.GetProperty("durable").GetBoolean().ShouldBeTrue();
            queue.GetProperty("arguments").GetProperty("x-single-active-consumer").GetBoolean().ShouldBeTrue();
        }

        await using var tracker = await TestTracker.StartAsync(ingestion.Infrastructure, EssayCatalog.Predictions, consumeCommands: true, answerCatalog: false);
        var received = await Eventually.Get(() => Task.FromResult(tracker.For(id)), m => m.Count > 0, "the waiting command delivered");
        received[0].DevelopmentId.ShouldBe(DevelopmentIds.For(id, "iran-deal"));
    }
}
