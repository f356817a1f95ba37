using System.Net;
using System.Net.Http.Json;
using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class PredictionReadModelTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    private static PredictionRegisteredNotice Registered(string id, long version, string title, params string[] terms) => new(
        id, version, title, "claim", "criteria", DateTimeOffset.Parse("2030-01-01T00:00:00Z"), 0.5, ["test"], terms,
        PredictionStatus.Uncertain, DateTimeOffset.UtcNow, "dev-analyst");

    private async Task<KnownPrediction?> Known(string id)
    {
        await using var session = ingestion.Store.QuerySession();
        return await session.LoadAsync<KnownPrediction>(id);
    }

    [Fact]
    public async Task The_catalog_requested_at_start_up_fills_the_read_model_even_though_the_tracker_answered_late()
    {
        // The fixture starts Ingestion before the stand-in Tracker, so the first request found no one.
        ingestion.Tracker.CatalogRequests.ShouldBeGreaterThanOrEqualTo(1);
        (await Known("iran-deal"))!.SearchTerms.ShouldContain("JCPOA");
    }

    [Fact]
    public async Task A_prediction_registered_later_is_learnt_from_the_event_and_then_accepted_in_links()
    {
        var id = $"test-{Guid.NewGuid():N}"[..20];
        using var client = ingestion.Client();
        await ingestion.Tracker.Bus.Publish(Registered(id, 1, "Test prediction", "glorbnax treaty"));

        await Eventually.True(async () => await Known(id) is not null, "the registered prediction in the read model");
        var response = await client.PostAsJsonAsync("/api/statements", new
        {
            text = "Parties signed the glorbnax treaty.",
            publishedAt = "2024-01-01",
            links = new[] { new { predictionId = id, stance = "supports", strength = "weak" } },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_rewording_updates_the_title_and_a_stale_redelivery_is_ignored()
    {
        var id = $"test-{Guid.NewGuid():N}"[..20];
        await ingestion.Tracker.Bus.Publish(Registered(id, 1, "First title", "term"));
        await Eventually.True(async () => await Known(id) is not null, "the registered prediction");

        await ingestion.Tracker.Bus.Publish(new PredictionRewordedNotice(id, 2, "Second title", "claim", "criteria", DateTimeOffset.UtcNow, "dev-analyst"));
        await Eventually.True(async () => (await Known(id))!.Version == 2, "the rewording applied");
        await ingestion.Tracker.Bus.Publish(Registered(id, 1, "First title", "term"));
        await ingestion.Tracker.Bus.Publish(new PredictionRewordedNotice(id, 3, "Third title", "claim", "criteria", DateTimeOffset.UtcNow, "dev-analyst"));

        // The consumer endpoint handles one message at a time in order, so once version 3 is in, the stale copy was skipped.
        var known = await Eventually.Get(() => Known(id), k => k!.Version == 3, "the later rewording");
        known!.Title.ShouldBe("Third title");
        known.SearchTerms.ShouldBe(["term"]);
    }
}
