using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>An Ingestion of its own: these tests teach its Tracker a prediction Ingestion has not heard of.</summary>
public sealed class UnheardPredictionFixture : IngestionFixture;

/// <summary>
/// A client that registers a prediction and links a statement to it at once must not be told the
/// prediction is unknown while the registration's notice is still on its way to Ingestion: on a miss,
/// Ingestion asks the Tracker before it answers.
/// </summary>
public sealed class UnheardPredictionTests(UnheardPredictionFixture ingestion) : IClassFixture<UnheardPredictionFixture>
{
    [Fact]
    public async Task A_link_to_a_prediction_the_tracker_knows_but_has_not_announced_yet_is_accepted_and_forwarded()
    {
        var id = $"late-{Guid.NewGuid():N}"[..20];
        ingestion.Tracker.Knows(new PredictionCatalogEntry(id, 1, "A prediction registered a moment ago", "Its notice has not arrived yet.",
            ["test"], ["late notice"], PredictionStatus.Likely, 0.75, "Confirmed if the notice arrives."));
        using var client = ingestion.Client();

        var response = await client.PostAsJsonAsync("/api/statements", new
        {
            text = "A statement linked to a prediction registered a moment ago.",
            publishedAt = "2026-11-25",
            links = new[] { new { predictionId = id, stance = "supports", strength = "moderate" } },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var statementId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var forwarded = await Eventually.Get(() => Task.FromResult(ingestion.Tracker.For(statementId)), m => m.Count > 0, "the development forwarded to the Tracker");
        forwarded.Single().DevelopmentId.ShouldBe(DevelopmentIds.For(statementId, id));
    }

    [Fact]
    public async Task A_link_to_a_prediction_the_tracker_does_not_know_either_is_refused_naming_the_link()
    {
        using var client = ingestion.Client();

        var response = await client.PostAsJsonAsync("/api/statements", new
        {
            text = "A statement linked to a prediction nobody registered.",
            publishedAt = "2026-11-25",
            links = new[] { new { predictionId = "iran-deal", stance = "supports", strength = "weak" }, new { predictionId = "never-registered", stance = "supports", strength = "weak" } },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("links[1].predictionId")[0].GetString()!.ShouldContain("never-registered");
        problem.GetProperty("errors").TryGetProperty("links[0].predictionId", out _).ShouldBeFalse();
    }
}
