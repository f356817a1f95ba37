extern alias importer;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using importer::PolicyTracker.Importer;
using Npgsql;

namespace PolicyTracker.Tracker.Tests.Api;

public class ScorecardAndExportTests(TrackerFixture fixture) : IClassFixture<TrackerFixture>
{
    private readonly HttpClient _public = fixture.Factory.Client();
    private readonly HttpClient _analyst = fixture.Factory.Client("analyst-dev-key");
    private readonly HttpClient _auditor = fixture.Factory.Client("auditor-dev-key");

    private async Task<string> RegisterAsync(double prior, string? madeAt = null, string author = "Jeffrey Mankoff", string title = "Rapprochement on Russia's Terms")
    {
        var id = "test-" + Guid.NewGuid().ToString("N")[..12];
        var response = await _analyst.Post("/api/predictions", new
        {
            id, title = "A test prediction", claim = "Something happens.", resolutionCriteria = "It happened.", horizon = "2021-01-20", prior,
            tags = new[] { "test" }, searchTerms = new[] { "something" }, source = new { title, author, quote = "A quote." }, madeAt,
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return id;
    }

    [Fact]
    public async Task The_essay_predictions_were_made_on_2017_01_04_and_nothing_of_them_exists_as_of_before()
    {
        (await _public.GetAsync("/api/predictions/iran-deal/as-of?effectiveAt=2017-01-03")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var asOf = await _public.GetAsync("/api/predictions/iran-deal/as-of?effectiveAt=2017-01-04");
        asOf.StatusCode.ShouldBe(HttpStatusCode.OK);
        var timeline = await (await _public.GetAsync("/api/predictions/iran-deal/timeline")).Body();
        timeline[0].GetProperty("effectiveAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2017, 1, 4, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_development_before_madeAt_is_accepted_and_marked_as_hindsight()
    {
        var id = await RegisterAsync(0.5, madeAt: "2017-01-04");
        (await _analyst.Post($"/api/predictions/{id}/developments", Json.Development(occurredAt: "2016-11-09", summary: "Known before"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _analyst.Post($"/api/predictions/{id}/developments", Json.Development(occurredAt: "2017-03-01", summary: "Learned after"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        foreach (var order in new[] { "recorded", "effective" })
        {
            var timeline = (await (await _public.GetAsync($"/api/predictions/{id}/timeline?order={order}")).Body()).EnumerateArray().ToList();
            timeline.Single(e => e.GetProperty("summary").GetString() == "Known before").GetProperty("hindsight").GetBoolean().ShouldBeTrue(order);
            timeline.Single(e => e.GetProperty("summary").GetString() == "Learned after").GetProperty("hindsight").GetBoolean().ShouldBeFalse(order);
            timeline.Single(e => e.GetProperty("type").GetString() == "registered").GetProperty("hindsight").GetBoolean().ShouldBeFalse(order);
        }
        (await _public.GetAsync($"/api/predictions/{id}/as-of?effectiveAt=2017-01-03T23:59:59Z")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await _public.GetAsync($"/api/predictions/{id}/as-of?effectiveAt=2017-01-04")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_madeAt_in_the_future_after_the_horizon_or_malformed_is_400_naming_it()
    {
        foreach (var madeAt in new[] { "2030-01-01", "not a time", "1999-12-31" })
        {
            var response = await _analyst.Post("/api/predictions", new
            {
                id = "test-" + Guid.NewGuid().ToString("N")[..12], title = "t", claim = "c", resolutionCriteria = "r", horizon = "2017-03-01", prior = 0.5, madeAt,
            });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, madeAt);
            (await response.Body()).GetProperty("errors").TryGetProperty("madeAt", out _).ShouldBeTrue(madeAt);
        }
        // Before the horizon but the clock says 2017-06: 2017-05 is fine, the horizon 2017-03 is not after it.
        var late = await _analyst.Post("/api/predictions", new
        {
            id = "test-" + Guid.NewGuid().ToString("N")[..12], title = "t", claim = "c", resolutionCriteria = "r", horizon = "2017-03-01", prior = 0.5, madeAt = "2017-05-01",
        });
        (await late.Body()).GetProperty("errors").GetProperty("madeAt")[0].GetString()!.ShouldContain("horizon");
    }

    [Fact]
    public async Task The_scorecard_for_a_source_scores_the_essay_and_the_tracker_side_by_side()
    {
        var author = "Author " + Guid.NewGuid().ToString("N")[..8];
        var confirmed = await RegisterAsync(0.75, madeAt: "2017-01-04", author: author);
        (await _analyst.Post($"/api/predictions/{confirmed}/developments", Json.Development("supports", "strong", "2019-01-04"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _analyst.Post($"/api/predictions/{confirmed}/resolution", new { outcome = "confirmed", rationale = "It happened.", resolvedAt = "2021-01-20" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var voided = await RegisterAsync(0.4, madeAt: "2017-01-04", author: author);
        (await _analyst.Post($"/api/predictions/{voided}/resolution", new { outcome = "void", rationale = "The condition failed.", resolvedAt = "2021-01-20" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await RegisterAsync(0.5, madeAt: "2017-01-04", author: author);

        var card = await (await _public.GetAsync($"/api/scorecard?source={Uri.EscapeDataString(author.ToUpperInvariant())}")).Body();

        var predictions = card.GetProperty("predictions").EnumerateArray().ToList();
        predictions.Count.ShouldBe(2);
        var scored = predictions.Single(p => p.GetProperty("predictionId").GetString() == confirmed);
        scored.GetProperty("essay").GetProperty("forecast").GetDouble().ShouldBe(0.75);
        scored.GetProperty("essay").GetProperty("brier").GetDouble().ShouldBe(0.0625, 1e-9);
        scored.GetProperty("essay").GetProperty("logScore").GetDouble().ShouldBe(Math.Log(0.75), 1e-9);
        var atHorizon = scored.GetProperty("probabilityAtHorizon").GetDouble();
        atHorizon.ShouldBeGreaterThan(0.75);
        scored.GetProperty("tracker").GetProperty("brierAtHorizon").GetDouble().ShouldBe(Math.Pow(1 - atHorizon, 2), 1e-9);
        // Two years at the prior, two at the higher probability: between the two Brier scores.
        var timeAveraged = scored.GetProperty("tracker").GetProperty("timeAveragedBrier").GetDouble();
        timeAveraged.ShouldBeGreaterThan(Math.Pow(1 - atHorizon, 2));
        timeAveraged.ShouldBeLessThan(0.0625);
        predictions.Single(p => p.GetProperty("predictionId").GetString() == voided).GetProperty("essay").GetProperty("brier").ValueKind.ShouldBe(JsonValueKind.Null);

        card.GetProperty("essay").GetProperty("brier").GetDouble().ShouldBe(0.0625, 1e-9);
        card.GetProperty("tracker").GetProperty("timeAveragedBrier").GetDouble().ShouldBe(timeAveraged, 1e-9);
        card.GetProperty("meanBrierScore").GetDouble().ShouldBe(Math.Pow(1 - atHorizon, 2), 1e-9);
        var counts = card.GetProperty("counts");
        (counts.GetProperty("confirmed").GetInt32(), counts.GetProperty("refuted").GetInt32(), counts.GetProperty("void").GetInt32(), counts.GetProperty("open").GetInt32())
            .ShouldBe((1, 0, 1, 1));
        card.GetProperty("essayCalibration").EnumerateArray().Sum(b => b.GetProperty("count").GetInt32()).ShouldBe(1);
        card.GetProperty("trackerCalibration").GetArrayLength().ShouldBe(10);
        card.GetProperty("calibration").GetArrayLength().ShouldBe(10);
    }

    [Fact]
    public async Task An_unknown_source_is_400_naming_it()
    {
        foreach (var source in new[] { "Nobody at all", " " })
        {
            var response = await _public.GetAsync($"/api/scorecard?source={Uri.EscapeDataString(source)}");
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            (await response.Body()).GetProperty("errors").TryGetProperty("source", out _).ShouldBeTrue();
        }
    }

    [Fact]
    public async Task ClaimReview_is_404_while_open_and_JSON_LD_once_resolved()
    {
        var id = await RegisterAsync(0.6, madeAt: "2017-01-04");
        var open = await _public.GetAsync($"/api/predictions/{id}/claim-review");
        open.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        open.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await _public.GetAsync("/api/predictions/Not_A_Slug/claim-review")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        (await _analyst.Post($"/api/predictions/{id}/resolution", new { outcome = "refuted", rationale = "It did not happen.", resolvedAt = "2020-06-01" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var response = await _public.GetAsync($"/api/predictions/{id}/claim-review");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/ld+json");
        var review = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        review["@type"]!.GetValue<string>().ShouldBe("ClaimReview");
        review["claimReviewed"]!.GetValue<string>().ShouldBe("Something happens.");
        review["url"]!.GetValue<string>().ShouldEndWith($"/predictions/{id}");
        review["datePublished"]!.GetValue<string>().ShouldBe("2020-06-01T00:00:00Z");
        review["itemReviewed"]!["datePublished"]!.GetValue<string>().ShouldBe("2017-01-04T00:00:00Z");
        review["reviewRating"]!["alternateName"]!.GetValue<string>().ShouldBe("refuted");
    }

    [Fact]
    public async Task Timeline_and_history_answer_CSV_with_a_header_row_and_formulas_escaped()
    {
        var id = await RegisterAsync(0.5);
        (await _analyst.Post($"/api/predictions/{id}/developments", Json.Development(summary: "=HYPERLINK(\"http://evil\",\"x\")"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var timeline = await Csv(_public, $"/api/predictions/{id}/timeline");
        timeline[0].ShouldBe("version,type,recordedAt,effectiveAt,recordedBy,summary,probability,status,hindsight");
        timeline.Length.ShouldBe(3);
        timeline[2].ShouldContain("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
        timeline[2].ShouldStartWith("2,development-logged,");

        var history = await Csv(_auditor, $"/api/predictions/{id}/history");
        history[0].ShouldBe("eventId,version,sequence,type,recordedAt,recordedBy,effectiveAt,correlationId,causationId,data,hash");
        history.Length.ShouldBe(3);
        // The formula sits inside the data cell's JSON, which begins with "{": nothing a spreadsheet runs.
        history[2].ShouldContain("HYPERLINK");
        history[2].ShouldNotContain(",=");
        (await _public.SendAsync(CsvRequest($"/api/predictions/{id}/history"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // A malformed Accept is no reason to fail.
        var malformed = new HttpRequestMessage(HttpMethod.Get, $"/api/predictions/{id}/timeline");
        malformed.Headers.TryAddWithoutValidation("Accept", "text/csv;;q=abc, ===, /");
        ((int)(await _public.SendAsync(malformed)).StatusCode).ShouldBeLessThan(500);
        // Without Accept: text/csv the answer stays JSON.
        (await _public.GetAsync($"/api/predictions/{id}/timeline")).Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
    }

    [Fact]
    public async Task The_export_streams_every_event_as_NDJSON_and_verify_agrees_with_the_integrity_check()
    {
        var id = await RegisterAsync(0.5);
        for (var i = 0; i < 3; i++)
        {
            (await _analyst.Post($"/api/predictions/{id}/developments", Json.Development(summary: $"Step {i}"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        (await _public.GetAsync("/api/export")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await _analyst.GetAsync("/api/export")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var archive = await ExportAsync();
        var lines = archive.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var mine = lines.Select(l => JsonNode.Parse(l)!).Where(l => l["predictionId"]!.GetValue<string>() == id).ToList();
        mine.Select(l => l["version"]!.GetValue<long>()).ShouldBe(Enumerable.Range(1, mine.Count).Select(v => (long)v));
        mine[0]["hash"]!.GetValue<string>().Length.ShouldBe(64);
        mine[1]["data"]!["summary"]!.GetValue<string>().ShouldBe("Step 0");
        mine[1]["recordedBy"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        lines.Select(l => JsonNode.Parse(l)!["predictionId"]!.GetValue<string>()).ShouldContain("iran-deal");
        var valid = ArchiveVerification.Verify(new StringReader(archive));
        valid.Valid.ShouldBeTrue(valid.FirstBroken?.Reason);
        valid.Events.ShouldBe(lines.Length);

        // An edit made directly in the database: the Tracker's integrity check and the offline check name the same version.
        await using (var connection = new NpgsqlConnection(fixture.Infrastructure.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var update = new NpgsqlCommand(
                "update tracker.mt_events set data = jsonb_set(data, '{summary}', '\"rewritten\"') where stream_id = @id and type = 'development_logged' and data ->> 'summary' = 'Step 1'", connection);
            update.Parameters.AddWithValue("id", id);
            (await update.ExecuteNonQueryAsync()).ShouldBe(1);
        }
        var integrity = await (await _auditor.GetAsync($"/api/predictions/{id}/integrity")).Body();
        var tampered = ArchiveVerification.Verify(new StringReader(await ExportAsync()));
        tampered.Valid.ShouldBeFalse();
        tampered.FirstBroken!.PredictionId.ShouldBe(id);
        tampered.FirstBroken.Version.ShouldBe(integrity.GetProperty("brokenAtVersion").GetInt64());
    }

    [Fact]
    public void Verify_reports_a_missing_event_and_an_unreadable_line()
    {
        var archive = string.Join('\n', ExportLine("a", 1, "{\"x\":1}", out var first), ExportLine("a", 3, "{\"x\":2}", out _, first));
        var gap = ArchiveVerification.Verify(new StringReader(archive));
        gap.FirstBroken!.Version.ShouldBe(2);
        gap.FirstBroken.Line.ShouldBe(2);
        ArchiveVerification.Verify(new StringReader("{not json")).FirstBroken!.Reason.ShouldContain("unreadable");
        ArchiveVerification.Verify(new StringReader(ExportLine("a", 1, "{\"x\":1}", out _))).Valid.ShouldBeTrue();
    }

    private static string ExportLine(string id, long version, string data, out string hash, string? previous = null)
    {
        hash = PolicyTracker.Tracker.Predictions.HashChain.Compute(previous ?? PolicyTracker.Tracker.Predictions.HashChain.Genesis, "note_added", version, data);
        return $"{{\"predictionId\":\"{id}\",\"version\":{version},\"type\":\"note_added\",\"data\":{data},\"hash\":\"{hash}\"}}";
    }

    private async Task<string> ExportAsync()
    {
        var response = await _auditor.GetAsync("/api/export", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        return await response.Content.ReadAsStringAsync();
    }

    private static HttpRequestMessage CsvRequest(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        return request;
    }

    private static async Task<string[]> Csv(HttpClient client, string url)
    {
        var response = await client.SendAsync(CsvRequest(url));
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        return (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }
}
