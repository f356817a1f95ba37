using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class StatementApiTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    private static string Url() => $"https://news.example.org/{Guid.NewGuid():N}";

    private static object Statement(string text, string? url = null, object? links = null, string publishedAt = "2018-05-08") => new
    {
        text,
        publishedAt,
        speaker = "A spokesperson",
        source = new { url = url ?? Url(), title = "A title", publisher = "Wire" },
        links,
    };

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task A_valid_statement_is_accepted_with_its_location_and_can_be_read_back()
    {
        using var client = ingestion.Client();
        var response = await client.PostAsJsonAsync("/api/statements", Statement($"The foreign ministry comments on the weather {Guid.NewGuid()}."));

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await Json(response);
        body.GetProperty("status").GetString().ShouldBe("accepted");
        var id = body.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/api/statements/{id}");

        var statement = await Json(await client.GetAsync($"/api/statements/{id}"));
        statement.GetProperty("publishedAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2018, 5, 8, 0, 0, 0, TimeSpan.Zero));
        // Pending until the background matcher has seen it, then triage: either is right at this moment.
        statement.GetProperty("state").GetString().ShouldBeOneOf("pending", "triage");
        statement.GetProperty("speaker").GetString().ShouldBe("A spokesperson");
        statement.GetProperty("source").GetProperty("publisher").GetString().ShouldBe("Wire");
        statement.GetProperty("receivedBy").GetString().ShouldBe("dev-analyst");
    }

    [Fact]
    public async Task An_auditor_reads_a_statement_but_may_not_submit_one_and_no_key_is_refused()
    {
        using var auditor = ingestion.Client("auditor-dev-key");
        using var anonymous = ingestion.Client(null);
        (await auditor.PostAsJsonAsync("/api/statements", Statement("x"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.PostAsJsonAsync("/api/statements", Statement("x"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await auditor.GetAsync($"/api/statements/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"publishedAt":"2018-05-08"}""", "text")]
    [InlineData("""{"text":"   ","publishedAt":"2018-05-08"}""", "text")]
    [InlineData("""{"text":"t"}""", "publishedAt")]
    [InlineData("""{"text":"t","publishedAt":"yesterday"}""", "publishedAt")]
    [InlineData("""{"text":42,"publishedAt":"2018-05-08"}""", "text")]
    [InlineData("""{"text":"nul \u0000 inside","publishedAt":"2018-05-08"}""", "text")]
    [InlineData("""{"text":"lone \ud800 surrogate","publishedAt":"2018-05-08"}""", "text")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","speaker":["a"]}""", "speaker")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","links":"iran-deal"}""", "links")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","source":{"url":"not a url"}}""", "source.url")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","source":{"url":"ftp://example.org/x"}}""", "source.url")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","links":[{"predictionId":"iran-deal","stance":"cheers","strength":"weak"}]}""", "links[0].stance")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","links":[{"predictionId":"iran-deal","stance":"supports","strength":"huge"}]}""", "links[0].strength")]
    [InlineData("""{"text":"t","publishedAt":"2018-05-08","links":[{"predictionId":"no-such-prediction","stance":"supports","strength":"weak"}]}""", "links[0].predictionId")]
    public async Task Bad_input_is_a_400_naming_the_field(string json, string field)
    {
        using var client = ingestion.Client();
        var response = await client.PostAsync("/api/statements", new StringContent(json, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await Json(response)).GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("/api/statements?limit=ten", "limit")]
    [InlineData("/api/statements?state=archived", "state")]
    [InlineData("/api/triage?limit=1.5", "limit")]
    [InlineData("/api/triage?suggested=maybe", "suggested")]
    public async Task A_query_value_of_the_wrong_kind_is_a_400_naming_the_parameter(string path, string parameter)
    {
        using var client = ingestion.Client();
        var response = await client.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await Json(response)).GetProperty("errors").TryGetProperty(parameter, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Text_over_20000_characters_is_refused_naming_text()
    {
        using var client = ingestion.Client();
        var response = await client.PostAsJsonAsync("/api/statements", Statement(new string('a', 20_001)));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json(response)).GetProperty("errors").TryGetProperty("text", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Malformed_json_is_a_400_and_a_wrong_content_type_a_415()
    {
        using var client = ingestion.Client();
        var malformed = await client.PostAsync("/api/statements", new StringContent("{\"text\": ", Encoding.UTF8, "application/json"));
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        malformed.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");

        var wrongType = await client.PostAsync("/api/statements", new StringContent("text=hello", Encoding.UTF8, "text/plain"));
        wrongType.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task The_same_url_is_one_statement_and_the_copy_is_answered_200_with_the_original_id()
    {
        using var client = ingestion.Client();
        var url = Url();
        var first = await Json(await client.PostAsJsonAsync("/api/statements", Statement("First wording of a report.", url)));
        // Another text, the trailing slash and fragment do not make it a different source.
        var copy = await client.PostAsJsonAsync("/api/statements", Statement("Second wording of the same report.", url + "/#section"));

        copy.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await Json(copy);
        body.GetProperty("status").GetString().ShouldBe("duplicate");
        body.GetProperty("id").GetGuid().ShouldBe(first.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Without_a_url_the_same_normalised_text_on_the_same_day_is_a_duplicate_but_not_on_another_day()
    {
        using var client = ingestion.Client();
        var marker = Guid.NewGuid().ToString("N");
        object NoUrl(string text, string at) => new { text, publishedAt = at };
        var first = await client.PostAsJsonAsync("/api/statements", NoUrl($"The Kremlin said {marker} today.", "2019-03-01T08:00:00Z"));
        var sameDay = await client.PostAsJsonAsync("/api/statements", NoUrl($"  the KREMLIN said {marker}   today ", "2019-03-01T21:30:00+00:00"));
        var nextDay = await client.PostAsJsonAsync("/api/statements", NoUrl($"The Kremlin said {marker} today.", "2019-03-02T08:00:00Z"));

        first.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        sameDay.StatusCode.ShouldBe(HttpStatusCode.OK);
        nextDay.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Parallel_copies_of_one_statement_store_it_once()
    {
        var url = Url();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var client = ingestion.Client();
            return await client.PostAsJsonAsync("/api/statements", Statement("Parallel copy of one report.", url));
        }));

        responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(7);
        var ids = await Task.WhenAll(responses.Select(async r => (await Json(r)).GetProperty("id").GetGuid()));
        ids.Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task A_batch_keeps_valid_items_reports_bad_ones_by_index_and_counts_duplicates_inside_it()
    {
        using var client = ingestion.Client();
        var url = Url();
        var items = new object[]
        {
            Statement("Batch item one.", url),
            new { text = "", publishedAt = "2018-01-01" },
            Statement("Batch item two, a copy of one by URL.", url),
            Statement("Batch item three.", links: new[] { new { predictionId = "nowhere", stance = "supports", strength = "weak" } }),
            Statement("Batch item four."),
        };
        var response = await client.PostAsJsonAsync("/api/statements/batch", items);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await Json(response);
        body.GetProperty("accepted").GetInt32().ShouldBe(2);
        body.GetProperty("duplicates").GetInt32().ShouldBe(1);
        var rejected = body.GetProperty("rejected").EnumerateArray().ToList();
        rejected.Select(r => r.GetProperty("index").GetInt32()).ShouldBe([1, 3]);
        rejected[0].GetProperty("errors").TryGetProperty("text", out _).ShouldBeTrue();
        rejected[1].GetProperty("errors").TryGetProperty("links[0].predictionId", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task An_ndjson_batch_rejects_a_malformed_line_by_its_line_number_and_keeps_the_rest()
    {
        using var client = ingestion.Client();
        var lines = string.Join("\n",
            JsonSerializer.Serialize(Statement("NDJSON item one.")),
            "{ this is not json",
            "",
            JsonSerializer.Serialize(Statement("NDJSON item two.")));
        var response = await client.PostAsync("/api/statements/batch", new StringContent(lines, Encoding.UTF8, "application/x-ndjson"));

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await Json(response);
        body.GetProperty("accepted").GetInt32().ShouldBe(2);
        var rejected = body.GetProperty("rejected").EnumerateArray().Single();
        rejected.GetProperty("line").GetInt32().ShouldBe(2);
        rejected.GetProperty("index").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_batch_in_a_wrong_content_type_is_415_a_malformed_array_400_and_too_many_items_413()
    {
        using var client = ingestion.Client();
        (await client.PostAsync("/api/statements/batch", new StringContent("a,b", Encoding.UTF8, "text/csv")))
            .StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        var malformed = await client.PostAsync("/api/statements/batch", new StringContent("[{\"text\":", Encoding.UTF8, "application/json"));
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Json(malformed)).GetProperty("errors").TryGetProperty("body", out _).ShouldBeTrue();
        var tooMany = Enumerable.Range(0, 5001).Select(i => new { text = $"t{i}", publishedAt = "2018-01-01" });
        (await client.PostAsJsonAsync("/api/statements/batch", tooMany)).StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_batch_body_over_16_MiB_is_413()
    {
        using var client = ingestion.Client();
        var huge = new StringBuilder("[");
        var item = JsonSerializer.Serialize(new { text = new string('x', 19_000), publishedAt = "2018-01-01" });
        while (huge.Length < 17 * 1024 * 1024)
        {
            huge.Append(item).Append(',');
        }
        huge.Append(item).Append(']');
        var response = await client.PostAsync("/api/statements/batch", new StringContent(huge.ToString(), Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Parallel_batches_carrying_the_same_statements_store_each_once()
    {
        var urls = Enumerable.Range(0, 50).Select(_ => Url()).ToArray();
        var batch = urls.Select((u, i) => Statement($"Shared batch item {i}.", u)).ToArray();
        var bodies = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var client = ingestion.Client();
            return await Json(await client.PostAsJsonAsync("/api/statements/batch", batch));
        }));

        bodies.Sum(b => b.GetProperty("accepted").GetInt32()).ShouldBe(50);
        bodies.Sum(b => b.GetProperty("duplicates").GetInt32()).ShouldBe(150);
    }

    [Fact]
    public async Task Every_operation_in_the_OpenAPI_document_has_a_summary_and_a_description()
    {
        using var anonymous = ingestion.Client(null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        OpenApiDocuments.Operations(document).Count.ShouldBe(9);
        OpenApiDocuments.Undocumented(document).ShouldBeEmpty();
    }
}
