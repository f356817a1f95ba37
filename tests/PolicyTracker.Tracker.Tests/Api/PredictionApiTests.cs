using System.Net;
using System.Text.Json;
using Npgsql;
using PolicyTracker.Testing;

namespace PolicyTracker.Tracker.Tests.Api;

public class PredictionApiTests(TrackerFixture fixture) : IClassFixture<TrackerFixture>
{
    private readonly HttpClient _public = fixture.Factory.Client();
    private readonly HttpClient _analyst = fixture.Factory.Client("analyst-dev-key");
    private readonly HttpClient _auditor = fixture.Factory.Client("auditor-dev-key");

    [Fact]
    public async Task The_eleven_essay_predictions_are_seeded_with_their_priors_and_statuses()
    {
        var list = await (await _public.GetAsync("/api/predictions?tag=nonexistent-tag-for-count")).Body();
        list.GetArrayLength().ShouldBe(0);
        var all = (await (await _public.GetAsync("/api/predictions")).Body()).EnumerateArray()
            .Where(p => !p.GetProperty("id").GetString()!.StartsWith("test-")).ToList();
        all.Count.ShouldBe(11);
        var iran = all.Single(p => p.GetProperty("id").GetString() == "iran-deal");
        iran.GetProperty("probability").GetDouble().ShouldBe(0.75);
        iran.GetProperty("status").GetString().ShouldBe("likely");
        all.Single(p => p.GetProperty("id").GetString() == "sanctions-relief").GetProperty("status").GetString().ShouldBe("unlikely");
        all.Single(p => p.GetProperty("id").GetString() == "minsk-ceasefire-collapse").GetProperty("status").GetString().ShouldBe("uncertain");

        var detail = await _public.GetAsync("/api/predictions/baltic-attack");
        detail.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var body = await detail.Body();
        body.GetProperty("source").GetProperty("author").GetString().ShouldBe("Jeffrey Mankoff");
        body.GetProperty("resolution").ValueKind.ShouldBe(JsonValueKind.Null);
        body.GetProperty("developmentCount").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Unknown_is_404_and_malformed_input_is_400_naming_the_field()
    {
        (await _public.GetAsync("/api/predictions/no-such-prediction")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _public.GetAsync("/api/predictions/Not_A_Slug")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await _analyst.Post("/api/predictions/no-such-prediction/developments", Json.Development())).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var bad = await _analyst.Post("/api/predictions/iran-deal/developments", new { summary = " ", occurredAt = "yesterday", stance = "sideways", strength = "huge" });
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await bad.Body()).GetProperty("errors");
        foreach (var field in new[] { "summary", "occurredAt", "stance", "strength" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }

        var register = await _analyst.Post("/api/predictions", new { id = "Bad Id", title = "", prior = 1.5, horizon = "3020-01-01" });
        register.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var registerErrors = (await register.Body()).GetProperty("errors");
        foreach (var field in new[] { "id", "title", "claim", "prior", "horizon" })
        {
            registerErrors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }
        var revise = await _analyst.Post("/api/predictions/iran-deal/probability", new { probability = 0.999, rationale = "x" });
        (await revise.Body()).GetProperty("errors").TryGetProperty("probability", out _).ShouldBeTrue();
        var resolve = await _analyst.Post("/api/predictions/iran-deal/resolution", new { outcome = "maybe", rationale = "x" });
        (await resolve.Body()).GetProperty("errors").TryGetProperty("outcome", out _).ShouldBeTrue();
        var retract = await _analyst.Post("/api/predictions/iran-deal/developments/not-a-guid/retraction", new { reason = "x" });
        (await retract.Body()).GetProperty("errors").TryGetProperty("developmentId", out _).ShouldBeTrue();
        (await _analyst.PostAsync("/api/predictions/iran-deal/developments", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/api/predictions", """{"id":"typed-binding","prior":"high"}""", "prior", "must be a number")]
    [InlineData("/api/predictions", """{"id":"typed-binding","tags":"one"}""", "tags", "must be an array")]
    [InlineData("/api/predictions/iran-deal/developments", """{"summary":5}""", "summary", "must be a string")]
    [InlineData("/api/predictions/iran-deal/developments", """{"source":{"title":["x"]}}""", "source.title", "must be a string")]
    [InlineData("/api/predictions/iran-deal/developments", "", "body", "is required: a JSON object")]
    [InlineData("/api/predictions/iran-deal/developments", "{not json", "body", "Malformed JSON at line 1, position 2.")]
    public async Task A_body_that_does_not_bind_is_a_400_naming_the_field_and_what_it_must_be(string path, string body, string field, string message)
    {
        var response = await _analyst.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var errors = (await response.Body()).GetProperty("errors");
        errors.GetProperty(field).EnumerateArray().Select(e => e.GetString()).ShouldBe([message]);
    }

    [Fact]
    public async Task Writes_need_an_analyst_key_and_audits_an_auditor_key()
    {
        (await _public.Post("/api/predictions/iran-deal/developments", Json.Development())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _auditor.Post("/api/predictions/iran-deal/developments", Json.Development())).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _analyst.GetAsync("/api/predictions/iran-deal/integrity")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await _public.GetAsync("/api/predictions/iran-deal/history")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Registering_an_existing_id_is_409()
    {
        var id = await Json.RegisterAsync(_analyst);
        var again = await _analyst.Post("/api/predictions", new
        {
            id, title = "t", claim = "c", resolutionCriteria = "r", horizon = "2021-01-20", prior = 0.5,
        });
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_decisive_undermining_development_moves_075_to_0198_and_likely_to_unlikely()
    {
        var id = await Json.RegisterAsync(_analyst, 0.75);
        var response = await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("undermines", "decisive"), "\"1\"");
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Body();
        body.GetProperty("probability").GetDouble().ShouldBe(0.198, 0.0005);
        body.GetProperty("status").GetString().ShouldBe("unlikely");
        body.GetProperty("version").GetInt64().ShouldBe(3);

        var detail = await _public.GetAsync($"/api/predictions/{id}");
        detail.Headers.ETag!.Tag.ShouldBe("\"3\"");
        (await detail.Body()).GetProperty("developmentCount").GetInt32().ShouldBe(1);

        var stale = await _analyst.Post($"/api/predictions/{id}/developments", Json.Development(), "\"1\"");
        stale.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Rewording_requires_if_match_and_as_of_before_the_change_shows_the_old_wording()
    {
        var id = await Json.RegisterAsync(_analyst);
        (await _analyst.Put($"/api/predictions/{id}/wording", new { title = "New title" })).StatusCode.ShouldBe((HttpStatusCode)428);
        (await _analyst.Put($"/api/predictions/{id}/wording", new { title = "New title" }, "\"7\"")).StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        var before = DateTimeOffset.UtcNow;
        await Eventually.True(() => Task.FromResult(DateTimeOffset.UtcNow > before.AddMilliseconds(20)), "the clock to move past the registration");
        var reworded = await _analyst.Put($"/api/predictions/{id}/wording", new { title = "New title" }, "\"1\"");
        reworded.StatusCode.ShouldBe(HttpStatusCode.OK);
        reworded.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (await reworded.Body()).GetProperty("title").GetString().ShouldBe("New title");

        var old = await (await _public.GetAsync($"/api/predictions/{id}/as-of?recordedAt={Uri.EscapeDataString(before.ToString("O"))}")).Body();
        old.GetProperty("title").GetString().ShouldBe("A test prediction");
        old.GetProperty("version").GetInt64().ShouldBe(1);
        var now = await (await _public.GetAsync($"/api/predictions/{id}/as-of?recordedAt={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}")).Body();
        now.GetProperty("title").GetString().ShouldBe("New title");
        (await _public.GetAsync($"/api/predictions/{id}/as-of?recordedAt=2001-01-01")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await _analyst.Post($"/api/predictions/{id}/notes", new { text = "Reworded to match the essay more closely." })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var history = await (await _auditor.GetAsync($"/api/predictions/{id}/history")).Body();
        history.EnumerateArray().Select(e => e.GetProperty("type").GetString()).ShouldBe(["registered", "reworded", "note-added"]);
        history.EnumerateArray().ShouldAllBe(e => e.GetProperty("hash").GetString()!.Length == 64);
        history[1].GetProperty("recordedBy").GetString().ShouldBe("dev-analyst");
        history[1].GetProperty("data").GetProperty("title").GetString().ShouldBe("New title");
    }

    [Fact]
    public async Task As_of_by_effective_time_and_the_effective_timeline_follow_the_world_not_the_record()
    {
        var id = await Json.RegisterAsync(_analyst, 0.5);
        await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("supports", "strong", "2019-06-01", "later in the world"));
        await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("undermines", "strong", "2018-01-01", "earlier in the world"));

        var recorded = await (await _public.GetAsync($"/api/predictions/{id}/timeline")).Body();
        recorded.EnumerateArray().Select(e => e.GetProperty("summary").GetString()).Where(s => s!.Contains("world"))
            .ShouldBe(["later in the world", "earlier in the world"]);
        var effective = await (await _public.GetAsync($"/api/predictions/{id}/timeline?order=effective")).Body();
        var developments = effective.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "development-logged").ToList();
        developments.Select(e => e.GetProperty("summary").GetString()).ShouldBe(["earlier in the world", "later in the world"]);
        developments[0].GetProperty("probability").GetDouble().ShouldBe(0.269, 0.001);
        developments[0].GetProperty("status").GetString().ShouldBe("unlikely");

        var in2018 = await (await _public.GetAsync($"/api/predictions/{id}/as-of?effectiveAt=2018-06-01")).Body();
        in2018.GetProperty("probability").GetDouble().ShouldBe(0.269, 0.001);
        in2018.GetProperty("developments").GetArrayLength().ShouldBe(1);

        // A back-dated development recorded now changes what the world looked like in 2018.
        await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("supports", "strong", "2018-03-01", "back-dated"));
        var revisited = await (await _public.GetAsync($"/api/predictions/{id}/as-of?effectiveAt=2018-06-01")).Body();
        revisited.GetProperty("probability").GetDouble().ShouldBe(0.5, 1e-9);
        revisited.GetProperty("developments").GetArrayLength().ShouldBe(2);
        (await _public.GetAsync($"/api/predictions/{id}/as-of?effectiveAt=2016-06-01")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _public.GetAsync($"/api/predictions/{id}/as-of?effectiveAt=2018-06-01&recordedAt=2018-06-01")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Retracting_a_development_replays_without_it_and_resolving_twice_is_409()
    {
        var id = await Json.RegisterAsync(_analyst, 0.5);
        var first = await (await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("supports", "strong"))).Body();
        await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("undermines", "moderate"));
        var retracted = await _analyst.Post($"/api/predictions/{id}/developments/{first.GetProperty("developmentId").GetGuid()}/retraction", new { reason = "misattributed quote" });
        retracted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await retracted.Body()).GetProperty("probability").GetDouble().ShouldBe(0.378, 0.001);
        (await _analyst.Post($"/api/predictions/{id}/developments/{Guid.NewGuid()}/retraction", new { reason = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        (await _analyst.Post($"/api/predictions/{id}/probability", new { probability = 0.8, rationale = "judgement" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var resolved = await _analyst.Post($"/api/predictions/{id}/resolution", new { outcome = "void", rationale = "condition failed", resolvedAt = "2020-01-01" });
        resolved.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await resolved.Body()).GetProperty("status").GetString().ShouldBe("void");
        (await _analyst.Post($"/api/predictions/{id}/resolution", new { outcome = "confirmed", rationale = "again" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task The_scorecard_scores_resolved_predictions_from_the_probability_at_the_horizon()
    {
        var id = await Json.RegisterAsync(_analyst, 0.8);
        await _analyst.Post($"/api/predictions/{id}/resolution", new { outcome = "confirmed", rationale = "it happened", resolvedAt = "2020-01-01" });
        var card = await (await _public.GetAsync("/api/scorecard")).Body();
        var mine = card.GetProperty("predictions").EnumerateArray().Single(p => p.GetProperty("predictionId").GetString() == id);
        mine.GetProperty("brierScore").GetDouble().ShouldBe(0.04, 1e-9);
        card.GetProperty("calibration").GetArrayLength().ShouldBe(10);
        card.GetProperty("meanBrierScore").ValueKind.ShouldBe(JsonValueKind.Number);
    }

    [Fact]
    public async Task A_row_edited_directly_in_postgres_breaks_the_chain_at_its_version()
    {
        var id = await Json.RegisterAsync(_analyst, 0.5);
        for (var i = 0; i < 3; i++)
        {
            (await _analyst.Post($"/api/predictions/{id}/developments", Json.Development("supports", "weak", summary: $"development {i}"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        var intact = await (await _auditor.GetAsync($"/api/predictions/{id}/integrity")).Body();
        intact.GetProperty("valid").GetBoolean().ShouldBeTrue(intact.ToString());
        intact.GetProperty("events").GetInt32().ShouldBe(4);

        await using (var connection = new NpgsqlConnection(fixture.Infrastructure.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                "update tracker.mt_events set data = jsonb_set(data, '{summary}', '\"rewritten history\"') where stream_id = @id and version = 3", connection);
            update.Parameters.AddWithValue("id", id);
            (await update.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        var broken = await (await _auditor.GetAsync($"/api/predictions/{id}/integrity")).Body();
        broken.GetProperty("valid").GetBoolean().ShouldBeFalse();
        broken.GetProperty("brokenAtVersion").GetInt64().ShouldBe(3);

        await using (var connection = new NpgsqlConnection(fixture.Infrastructure.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var delete = new NpgsqlCommand("delete from tracker.mt_events where stream_id = @id and version = 2", connection);
            delete.Parameters.AddWithValue("id", id);
            await delete.ExecuteNonQueryAsync();
        }
        (await (await _auditor.GetAsync($"/api/predictions/{id}/integrity")).Body()).GetProperty("brokenAtVersion").GetInt64().ShouldBe(2);
    }

    [Fact]
    public async Task Twenty_analysts_writing_at_once_lose_nothing_and_if_match_losers_get_412()
    {
        var id = await Json.RegisterAsync(_analyst, 0.5);
        var racing = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            fixture.Factory.Client("analyst-dev-key").Post($"/api/predictions/{id}/developments", Json.Development(summary: $"racer {i}"), "\"1\"")));
        racing.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        racing.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed).ShouldBe(19);

        var free = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            fixture.Factory.Client("analyst-dev-key").Post($"/api/predictions/{id}/developments", Json.Development("neutral", "weak", summary: $"writer {i}"))));
        free.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);

        var history = await (await _auditor.GetAsync($"/api/predictions/{id}/history")).Body();
        var versions = history.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()).ToList();
        versions.ShouldBe(Enumerable.Range(1, versions.Count).Select(v => (long)v).ToList());
        var summaries = history.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "development-logged")
            .Select(e => e.GetProperty("data").GetProperty("summary").GetString()).ToList();
        summaries.Count(s => s!.StartsWith("writer ")).ShouldBe(20);
        summaries.Distinct().Count().ShouldBe(summaries.Count);
        (await (await _auditor.GetAsync($"/api/predictions/{id}/integrity")).Body()).GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task When_the_clock_passes_the_horizon_an_unresolved_prediction_becomes_overdue()
    {
        var id = await Json.RegisterAsync(_analyst, 0.5, horizon: "2017-09-01");
        (await (await _public.GetAsync($"/api/predictions/{id}")).Body()).GetProperty("status").GetString().ShouldBe("uncertain");
        fixture.Factory.Clock.Set(new DateTimeOffset(2017, 9, 2, 0, 0, 0, TimeSpan.Zero));
        try
        {
            await Eventually.True(async () =>
                (await (await _public.GetAsync($"/api/predictions/{id}")).Body()).GetProperty("status").GetString() == "overdue",
                "the horizon check to mark the prediction overdue");
        }
        finally
        {
            fixture.Factory.Clock.Set(TrackerFactory.Mid2017);
        }
        var timeline = await (await _public.GetAsync($"/api/predictions/{id}/timeline")).Body();
        timeline.EnumerateArray().Select(e => e.GetProperty("type").GetString()).ShouldContain("horizon-passed");
    }

    [Fact]
    public async Task Every_operation_in_the_OpenAPI_document_has_a_summary_a_description_and_a_typed_success_response()
    {
        var document = await (await _public.GetAsync("/openapi/v1.json")).Body();
        var operations = OpenApiDocuments.Operations(document);
        operations.Count.ShouldBe(16);
        OpenApiDocuments.Undocumented(document).ShouldBeEmpty();
        // Two routes answer in their own media type; every other success is JSON.
        var mediaTypes = new Dictionary<string, string> { ["/api/export"] = "application/x-ndjson", ["/api/predictions/{id}/claim-review"] = "application/ld+json" };
        foreach (var (name, operation) in operations)
        {
            var success = operation.GetProperty("responses").EnumerateObject().Single(r => r.Name.StartsWith('2'));
            var mediaType = mediaTypes.FirstOrDefault(m => name.Contains(m.Key)).Value ?? "application/json";
            success.Value.GetProperty("content").GetProperty(mediaType).GetProperty("schema").ValueKind.ShouldBe(JsonValueKind.Object, name);
        }
        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("PredictionDetailsView").GetProperty("properties").TryGetProperty("developmentCount", out _).ShouldBeTrue();
    }
}
