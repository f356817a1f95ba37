using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>Matching is checked on statements written for this test, in wording that appears in no seed or search term list.</summary>
public sealed class MatchingAndTriageTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private async Task<(Guid Id, JsonElement Statement)> SubmitAsync(HttpClient client, string text)
    {
        var response = await client.PostAsJsonAsync("/api/statements", new
        {
            text,
            publishedAt = "2020-02-03T12:00:00Z",
            source = new { url = $"https://held-back.example.org/{Guid.NewGuid():N}", title = "Held back", publisher = "Test" },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await Json(response)).GetProperty("id").GetGuid();
        // Matching happens in the background: wait for the worker, never for a fixed time.
        var matched = await Eventually.Get(async () => await Json(await client.GetAsync($"/api/statements/{id}")),
            s => s.GetProperty("state").GetString() != "pending", "the statement matched");
        return (id, matched);
    }

    private static string[] Suggested(JsonElement statement) =>
        [.. statement.GetProperty("suggestions").EnumerateArray().Select(s => s.GetProperty("predictionId").GetString()!)];

    [Theory]
    [InlineData("The Treasury Department blacklisted seven more Russian oligarchs and their companies, tightening sanctions over Moscow's conduct in Ukraine.", "sanctions-relief")]
    [InlineData("Brussels agreed to roll over the sectoral sanctions against Russia for another six months.", "sanctions-relief")]
    [InlineData("Kyiv said it would not hold any vote in the occupied east until the Minsk accords' security provisions were met and foreign troops left Donetsk.", "minsk-elections")]
    [InlineData("Observers counted hundreds of cease-fire violations along the front in the Donbas overnight as the truce brokered in Minsk frayed.", "minsk-ceasefire-collapse")]
    [InlineData("Moscow's envoy told the IAEA board that the 2015 nuclear accord with Tehran must be preserved despite Washington's withdrawal.", "iran-deal")]
    [InlineData("Russia's foreign ministry condemned the American attempt to trigger snapback of UN measures against Iran as legally void.", "iran-deal")]
    public async Task A_statement_about_a_prediction_in_new_wording_goes_to_triage_with_that_prediction_suggested(string text, string predictionId)
    {
        using var client = ingestion.Client();
        var (_, statement) = await SubmitAsync(client, text);

        statement.GetProperty("state").GetString().ShouldBe("triage");
        Suggested(statement).ShouldContain(predictionId);
        Suggested(statement).Take(2).ShouldContain(predictionId, $"suggestions were {string.Join(", ", Suggested(statement))}");
        statement.GetProperty("suggestions")[0].GetProperty("score").GetDouble().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task A_suggestion_shows_why_in_keywords_semantic_similarity_and_feedback()
    {
        using var client = ingestion.Client();
        var (_, statement) = await SubmitAsync(client, "Japan and Russia again failed to agree on the Kuril Islands at a summit in Moscow.");

        var top = statement.GetProperty("suggestions")[0];
        top.GetProperty("predictionId").GetString().ShouldBe("kuril-islands");
        top.GetProperty("score").GetDouble().ShouldBeInRange(0.02, 1);
        var why = top.GetProperty("why");
        why.GetProperty("keywords").GetDouble().ShouldBeGreaterThan(0);
        why.GetProperty("semantic").GetDouble().ShouldBeGreaterThan(0.2);
        why.GetProperty("feedback").GetDouble().ShouldBe(0);
    }

    [Fact]
    public async Task A_statement_about_nothing_tracked_reaches_triage_without_suggestions_and_is_searchable()
    {
        using var client = ingestion.Client();
        var marker = "zanzibarite" + Random.Shared.Next(1000, 9999);
        var (id, statement) = await SubmitAsync(client, $"A new bakery opened in the old town, selling {marker} pastries.");

        statement.GetProperty("state").GetString().ShouldBe("triage");
        statement.GetProperty("suggestions").GetArrayLength().ShouldBe(0);
        Ids(await Json(await client.GetAsync("/api/triage?suggested=false&limit=1000"))).ShouldContain(id);
        Ids(await Json(await client.GetAsync("/api/triage?limit=1000"))).ShouldNotContain(id);
        Ids(await Json(await client.GetAsync($"/api/statements?q={marker}"))).ShouldContain(id);
    }

    [Fact]
    public async Task Triage_refuses_a_suggested_filter_that_is_not_a_boolean()
    {
        using var client = ingestion.Client();
        var response = await client.GetAsync("/api/triage?suggested=maybe");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json(response)).GetProperty("errors").TryGetProperty("suggested", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("Сборная выиграла матч со счётом два — ноль, сообщает спортивная газета.")]
    [InlineData("东京今天天气晴朗，最高气温二十五度。")]
    [InlineData("🙂🙂🙂 ¯\\_(ツ)_/¯ \u200b")]
    public async Task Text_in_another_script_reaches_triage_without_a_crash(string text)
    {
        using var client = ingestion.Client();
        var (_, statement) = await SubmitAsync(client, text + " " + Guid.NewGuid());
        statement.GetProperty("state").GetString().ShouldBe("triage");
    }

    [Fact]
    public async Task A_twenty_thousand_character_text_is_matched_on_its_first_part()
    {
        using var client = ingestion.Client();
        var opening = "Moscow's envoy said the nuclear agreement with Tehran must be preserved after Washington withdrew from the JCPOA. ";
        var text = (opening + string.Concat(Enumerable.Repeat("The weather stayed mild and the harvest was good. ", 400)))[..20_000];

        var (_, statement) = await SubmitAsync(client, text);

        Suggested(statement).FirstOrDefault().ShouldBe("iran-deal");
    }

    private static Guid[] Ids(JsonElement list) => [.. list.EnumerateArray().Select(s => s.GetProperty("id").GetGuid())];

    [Fact]
    public async Task Triage_lists_awaiting_statements_and_linking_one_forwards_a_development_with_a_derived_id()
    {
        using var client = ingestion.Client();
        var (id, _) = await SubmitAsync(client, "Washington imposed fresh sanctions on Russian shipping firms accused of dodging the export ban.");
        var triage = await Json(await client.GetAsync("/api/triage?limit=1000"));
        triage.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ShouldContain(id);

        var linked = await client.PostAsJsonAsync($"/api/triage/{id}", new
        {
            links = new[] { new { predictionId = "sanctions-relief", stance = "undermines", strength = "moderate", rationale = "new sanctions, not relief" } },
        });

        linked.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var statement = await Json(await client.GetAsync($"/api/statements/{id}"));
        statement.GetProperty("state").GetString().ShouldBe("linked");
        var link = statement.GetProperty("links")[0];
        link.GetProperty("predictionId").GetString().ShouldBe("sanctions-relief");
        link.GetProperty("developmentId").GetGuid().ShouldBe(DevelopmentIds.For(id, "sanctions-relief"));
        (await Json(await client.GetAsync("/api/triage"))).EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ShouldNotContain(id);

        var sent = await Eventually.Get(() => Task.FromResult(ingestion.Tracker.For(id)), m => m.Count > 0, "LogDevelopment for the triaged statement");
        sent[0].DevelopmentId.ShouldBe(DevelopmentIds.For(id, "sanctions-relief"));
        sent[0].Stance.ShouldBe(Stance.Undermines);
        sent[0].Strength.ShouldBe(Strength.Moderate);
        sent[0].RecordedBy.ShouldBe("dev-analyst");
        sent[0].OccurredAt.ShouldBe(new DateTimeOffset(2020, 2, 3, 12, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Dismissing_needs_a_reason_and_takes_the_statement_off_the_triage_list()
    {
        using var client = ingestion.Client();
        var (id, _) = await SubmitAsync(client, "An op-ed speculates about sanctions on caviar imports in a satirical column.");

        (await client.PostAsJsonAsync($"/api/triage/{id}", new { dismiss = true })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var dismissed = await client.PostAsJsonAsync($"/api/triage/{id}", new { dismiss = true, reason = "satire" });

        dismissed.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var statement = await Json(await client.GetAsync($"/api/statements/{id}"));
        statement.GetProperty("state").GetString().ShouldBe("dismissed");
        statement.GetProperty("dismissReason").GetString().ShouldBe("satire");
        (await Json(await client.GetAsync("/api/triage"))).EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ShouldNotContain(id);
        ingestion.Tracker.For(id).ShouldBeEmpty();
    }

    [Fact]
    public async Task Triage_refuses_an_unknown_prediction_with_400_and_an_unknown_statement_with_404()
    {
        using var client = ingestion.Client();
        var (id, _) = await SubmitAsync(client, "Tehran and Moscow sign a memorandum on the nuclear deal's future.");
        var unknown = await client.PostAsJsonAsync($"/api/triage/{id}", new { links = new[] { new { predictionId = "martian-invasion", stance = "supports", strength = "weak" } } });
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json(unknown)).GetProperty("errors").TryGetProperty("links[0].predictionId", out _).ShouldBeTrue();

        var missing = await client.PostAsJsonAsync($"/api/triage/{Guid.NewGuid()}", new { dismiss = true, reason = "x" });
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Two_analysts_linking_one_statement_at_once_get_one_202_and_one_409()
    {
        using var client = ingestion.Client();
        var (id, _) = await SubmitAsync(client, "Congress moves to block any easing of sanctions on Russian banks.");
        var decision = new { links = new[] { new { predictionId = "sanctions-relief", stance = "undermines", strength = "weak" } } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var analyst = ingestion.Client();
            return await analyst.PostAsJsonAsync($"/api/triage/{id}", decision);
        }));

        responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(3);
        var statement = await Json(await client.GetAsync($"/api/statements/{id}"));
        statement.GetProperty("links").GetArrayLength().ShouldBe(1);
    }
}
