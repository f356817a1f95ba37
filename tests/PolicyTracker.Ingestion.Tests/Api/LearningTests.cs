using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>New predictions are matchable at once, rewording moves them, and analysts' links and dismissals teach the matcher.</summary>
public sealed class LearningTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private async Task<(Guid Id, JsonElement Statement)> SubmitAsync(string text)
    {
        using var client = ingestion.Client();
        var response = await client.PostAsJsonAsync("/api/statements", new { text, publishedAt = "2021-06-01" });
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await Json(response)).GetProperty("id").GetGuid();
        var matched = await Eventually.Get(async () => await Json(await client.GetAsync($"/api/statements/{id}")),
            s => s.GetProperty("state").GetString() != "pending", "the statement matched");
        return (id, matched);
    }

    private static JsonElement? SuggestionFor(JsonElement statement, string predictionId) =>
        statement.GetProperty("suggestions").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(s => s!.Value.GetProperty("predictionId").GetString() == predictionId);

    private static PredictionRegisteredNotice Registered(string id, string title, string claim, params string[] terms) => new(
        id, 1, title, claim, "Confirmed if it happens by the horizon.", DateTimeOffset.Parse("2030-01-01T00:00:00Z"), 0.5, ["space"], terms,
        PredictionStatus.Uncertain, DateTimeOffset.UtcNow, "dev-analyst");

    private async Task<KnownPrediction?> Known(string id)
    {
        await using var session = ingestion.Store.QuerySession();
        return await session.LoadAsync<KnownPrediction>(id);
    }

    [Fact]
    public async Task A_prediction_registered_now_is_suggested_from_its_wording_alone_and_a_reword_moves_its_profile()
    {
        var id = $"lunar-{Guid.NewGuid():N}"[..16];
        await ingestion.Tracker.Bus.Publish(Registered(id, "A crewed landing on the Moon before 2030",
            "Astronauts walk on the lunar surface again before 2030.", "Artemis", "lunar landing", "Moon"));
        var registered = await Eventually.Get(() => Known(id), k => k is not null, "the new prediction in the read model");
        registered!.Vector.Length.ShouldBe(SentenceEmbeddings.Dimensions);

        var (_, statement) = await SubmitAsync("NASA said astronauts will set foot on the Moon's south pole with the next mission.");
        statement.GetProperty("suggestions")[0].GetProperty("predictionId").GetString().ShouldBe(id);

        await ingestion.Tracker.Bus.Publish(new PredictionRewordedNotice(id, 2, "A crewed landing on Mars before 2040",
            "Astronauts land on Mars before 2040.", "Confirmed if it happens.", DateTimeOffset.UtcNow, "dev-analyst"));
        var reworded = await Eventually.Get(() => Known(id), k => k!.Version == 2, "the rewording in the read model");
        SentenceEmbeddings.Cosine(reworded!.Vector, registered.Vector).ShouldBeLessThan(0.999);
        reworded.Claim.ShouldBe("Astronauts land on Mars before 2040.");
        // One vector per text: claim, title, the three search terms (a reword keeps them) and the criteria; the claim's is new.
        reworded.Prototypes.Count.ShouldBe(6);
        SentenceEmbeddings.Cosine(reworded.Prototypes[0], registered.Prototypes[0]).ShouldBeLessThan(0.999);
    }

    [Fact]
    public async Task A_copy_stored_before_prototypes_existed_is_matched_on_its_texts_one_by_one_all_the_same()
    {
        var id = $"legacy-{Guid.NewGuid():N}"[..16];
        var legacy = KnownPrediction.From(id, 1, "Commercial fusion power on the grid", "A fusion plant delivers electricity to a public grid.",
            ["energy"], ["tokamak", "stellarator"], "Confirmed if a grid operator reports fusion electricity.").WithProfile(SentenceEmbeddings.Shared);
        legacy.Prototypes = [];
        await using (var session = ingestion.Store.LightweightSession())
        {
            session.Store(legacy);
            await session.SaveChangesAsync();
        }

        var matcher = ingestion.Service.Services.GetRequiredService<PredictionMatcher>();
        var measured = await matcher.MeasureAsync(["Engineers switched on the new stellarator for its first plasma run."], CancellationToken.None);

        var pair = measured[0].Single(f => f.PredictionId == id);
        pair.SemanticBest.ShouldBeGreaterThan(pair.Semantic, "the closest single text (the stellarator term) beats the averaged profile");
    }

    [Fact]
    public async Task Developments_the_tracker_logged_pull_similar_statements_towards_their_prediction()
    {
        var text = "Gazprom's new pipeline under the Baltic Sea to Germany was finished despite American objections.";
        var (_, before) = await SubmitAsync(text + " (first report)");
        var scoreBefore = SuggestionFor(before, "sanctions-relief")?.GetProperty("score").GetDouble() ?? 0;

        await ingestion.Tracker.Bus.Publish(new PredictionDevelopmentLoggedNotice("sanctions-relief", 9, "t", Guid.NewGuid(), null,
            "Washington waived sanctions on the company building Nord Stream 2, the gas pipeline from Russia to Germany under the Baltic.",
            Stance.Supports, Strength.Weak, 0.3, PredictionStatus.Uncertain, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "dev-analyst"));
        await Eventually.True(async () =>
        {
            await using var session = ingestion.Store.QuerySession();
            return await session.Query<FeedbackExample>().AnyAsync(e => e.PredictionId == "sanctions-relief" && e.Sign > 0);
        }, "the development learnt as a linked example");

        var (_, after) = await SubmitAsync(text + " (second report)");
        var suggestion = SuggestionFor(after, "sanctions-relief");
        suggestion.ShouldNotBeNull();
        suggestion.Value.GetProperty("why").GetProperty("feedback").GetDouble().ShouldBeGreaterThan(0);
        suggestion.Value.GetProperty("score").GetDouble().ShouldBeGreaterThan(scoreBefore);
    }

    [Fact]
    public async Task A_dismissed_statement_pushes_its_near_copies_away_from_the_predictions_it_was_suggested_for()
    {
        var text = "Tokyo's baseball team won the Japan Series after a dramatic final game against a club from the islands of the north.";
        var (id, before) = await SubmitAsync(text + " Report one.");
        var suggested = SuggestionFor(before, "kuril-islands");
        suggested.ShouldNotBeNull("the test needs a suggestion to dismiss: " + before);

        using var client = ingestion.Client();
        (await client.PostAsJsonAsync($"/api/triage/{id}", new { dismiss = true, reason = "sport, not the dispute" })).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var (_, after) = await SubmitAsync(text + " Report two.");
        var again = SuggestionFor(after, "kuril-islands");
        (again?.GetProperty("score").GetDouble() ?? 0).ShouldBeLessThan(suggested.Value.GetProperty("score").GetDouble());
        if (again is { } pushed)
        {
            pushed.GetProperty("why").GetProperty("feedback").GetDouble().ShouldBeLessThan(0);
        }
    }
}
