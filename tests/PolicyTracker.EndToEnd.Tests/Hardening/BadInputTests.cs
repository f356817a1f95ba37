using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests.Hardening;

/// <summary>Issue 10, items 1, 2, 4 and 11, through the gateway to the real services.</summary>
[Collection(HardenedSystemCollection.Name)]
public sealed class BadInputTests(HardenedSystem system)
{
    private const string Analyst = "analyst-dev-key";

    // Item 1: non-ASCII header bytes were a 502 from the gateway (its HTTP client cannot forward them).
    [Theory]
    [InlineData("X-Api-Key", "café-key")]
    [InlineData("X-Api-Key", "ключ")]
    [InlineData("If-Match", "\"1é\"")]
    public async Task Non_ascii_bytes_in_a_header_are_a_400_problem_naming_the_header(string header, string value)
    {
        using var client = system.RawClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/predictions/iran-deal/wording")
            .Json("""{"title":"x"}""").WithHeader(header, value);
        if (header != "X-Api-Key")
        {
            request.WithHeader("X-Api-Key", Analyst);
        }

        var problem = await (await client.SendAsync(request)).ShouldBeProblemAsync(400);

        problem.GetProperty("errors").TryGetProperty(header, out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_header_byte_that_is_not_even_utf8_is_a_400_problem_too()
    {
        // Latin-1 encodes 'ÿ' as the single byte 0xFF, which no UTF-8 decoder accepts.
        using var latin1 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1 }) { BaseAddress = system.Gateway };
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/predictions").WithHeader("If-Match", "\"ÿ\"");

        await (await latin1.SendAsync(bad)).ShouldBeProblemAsync(400);
    }

    // Item 1: CONNECT with a path, as curl -X CONNECT sends it, was a 502 (HttpClient cannot send that form).
    [Fact]
    public async Task Connect_with_a_path_is_a_405_problem_from_the_gateway()
    {
        var (status, headers, body) = await RawHttp.SendAsync(system.Gateway,
            $"CONNECT /api/predictions HTTP/1.1\r\nHost: {system.Gateway.Authority}\r\nAccept: text/html\r\nConnection: close\r\n\r\n");

        status.ShouldBe(405, body);
        headers["content-type"].ShouldStartWith("application/problem+json");
        JsonDocument.Parse(body).RootElement.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
    }

    // Item 1: other methods the API does not use never reach the forwarder either.
    [Theory]
    [InlineData("CONNECT")]
    [InlineData("TRACE")]
    [InlineData("PROPFIND")]
    [InlineData("BREW")]
    public async Task A_method_the_api_does_not_use_is_a_405_problem_from_the_gateway(string method)
    {
        using var client = system.RawClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), "/api/predictions");
        request.Headers.Host = system.Gateway.Authority; // CONNECT names its target in Host

        var response = await client.SendAsync(request);

        await response.ShouldBeProblemAsync(405);
        response.Content.Headers.Allow.ShouldContain("GET");
    }

    // Item 1: PostgreSQL cannot store U+0000; it was a 500.
    [Fact]
    public async Task A_nul_character_in_a_json_string_is_a_400_naming_the_field()
    {
        using var client = system.Client(Analyst);
        using var wording = new HttpRequestMessage(HttpMethod.Put, "/api/predictions/iran-deal/wording")
            .Json("""{"title":"Russia\u0000sticks"}""").WithHeader("If-Match", "\"1\"");
        using var statement = new HttpRequestMessage(HttpMethod.Post, "/api/statements")
            .Json("""{"text":"fine","publishedAt":"2020-01-01","links":[{"predictionId":"iran-deal","stance":"supports","strength":"weak","rationale":"a\u0000"}]}""");
        using var batch = new HttpRequestMessage(HttpMethod.Post, "/api/statements/batch")
            .Json("""[{"text":"fine","publishedAt":"2020-01-01"},{"text":"bad\u0000","publishedAt":"2020-01-01"}]""");
        using var ndjson = new HttpRequestMessage(HttpMethod.Post, "/api/statements/batch")
            .Json("{\"text\":\"fine\",\"publishedAt\":\"2020-01-01\"}\n{\"speaker\":\"x\\u0000\"}\n", "application/x-ndjson");
        using var key = new HttpRequestMessage(HttpMethod.Post, "/api/feeds").Json("""{"u\u0000rl":"https://example.org/rss"}""");

        (await (await client.SendAsync(wording)).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("title", out _).ShouldBeTrue();
        (await (await client.SendAsync(statement)).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("links[0].rationale", out _).ShouldBeTrue();
        (await (await client.SendAsync(batch)).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("[1].text", out _).ShouldBeTrue();
        (await (await client.SendAsync(ndjson)).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("line 2.speaker", out _).ShouldBeTrue();
        (await (await client.SendAsync(key)).ShouldBeProblemAsync(400)).GetProperty("errors").TryGetProperty("u\\u0000rl", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_nul_in_a_query_value_is_a_400_naming_the_parameter()
    {
        using var client = system.Client(Analyst);

        var problem = await (await client.GetAsync("/api/statements?q=mos%00cow&limit=5")).ShouldBeProblemAsync(400);

        problem.GetProperty("errors").TryGetProperty("q", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task An_unpaired_surrogate_in_a_json_string_is_a_400_naming_the_field()
    {
        using var client = system.Client(Analyst);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/triage/{Guid.NewGuid()}").Json("""{"dismiss":true,"reason":"\ud800"}""");

        var problem = await (await client.SendAsync(request)).ShouldBeProblemAsync(400);

        problem.GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task An_escaped_backslash_before_u0000_is_text_not_a_nul_and_is_accepted()
    {
        using var client = system.Client(Analyst);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/statements")
            .Json($$"""{"text":"a literal \\u0000 in prose {{Guid.NewGuid()}}","publishedAt":"2020-01-01"}""");

        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    // Item 1: an unknown charset made the JSON reader throw (500).
    [Theory]
    [InlineData("bogus")]
    [InlineData("utf-7")]
    [InlineData("x-user-defined")]
    [InlineData("")]
    [InlineData("\"\"")]
    [InlineData("latin1")]
    [InlineData("utf-16")]
    public async Task A_charset_other_than_utf8_is_a_415_problem(string charset)
    {
        using var client = system.Client(Analyst);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/statements")
            .Json("""{"text":"x","publishedAt":"2020-01-01"}""", $"application/json; charset={charset}");

        await (await client.SendAsync(request)).ShouldBeProblemAsync(415);
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("UTF-8")]
    [InlineData("\"utf-8\"")]
    [InlineData("UTF8")]
    [InlineData("utf8")]
    public async Task Harmless_spellings_of_utf8_are_accepted(string charset)
    {
        using var client = system.Client(Analyst);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/statements")
            .Json($$"""{"text":"charset spelling {{Guid.NewGuid()}}","publishedAt":"2020-01-01"}""", $"application/json; charset={charset}");

        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    // Item 2: with an Accept that excludes JSON, errors were text/plain "Status Code: 404" or empty.
    public static TheoryData<string, string, string?, int> ErrorsAndAccepts()
    {
        var data = new TheoryData<string, string, string?, int>();
        foreach (var accept in new[] { "application/xml", "text/html", "image/png", "text/plain", "text/csv", "*/*", "application/json" })
        {
            data.Add(accept, "GET /api/nothing-here", null, 404);                       // no gateway route
            data.Add(accept, "GET /api/predictions/no-such-prediction", null, 404);     // the service's own 404
            data.Add(accept, "GET /api/subscriptions/not-a-guid/x", "subscriber-dev-key", 404); // no service route
            data.Add(accept, "DELETE /api/scorecard", null, 405);                       // the service's 405
            data.Add(accept, "PROPFIND /api/predictions", null, 405);                   // the gateway's 405
            data.Add(accept, "GET /api/triage", null, 401);
            data.Add(accept, "GET /api/triage", "subscriber-dev-key", 403);
            data.Add(accept, "POST /api/predictions", Analyst, 400);                    // no body
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ErrorsAndAccepts))]
    public async Task Every_error_is_problem_json_with_a_trace_id_whatever_accept_says(string accept, string request, string? key, int status)
    {
        using var client = system.RawClient();
        var (method, path) = (request.Split(' ')[0], request.Split(' ')[1]);
        using var message = new HttpRequestMessage(new HttpMethod(method), path).WithHeader("Accept", accept);
        if (key is not null)
        {
            message.WithHeader("X-Api-Key", key);
        }

        await (await client.SendAsync(message)).ShouldBeProblemAsync(status);
    }

    [Theory]
    [InlineData("text/html")]
    [InlineData("image/png")]
    [InlineData("application/json")]
    public async Task A_gateway_error_from_an_unreachable_service_is_problem_json_too(string accept)
    {
        // A second gateway whose services are all on a port nobody listens on: its 502 is the gateway's own.
        var port = RunningSystem.FreePort();
        var dead = RunningSystem.FreePort();
        var dll = RunningSystem.ServiceDll("Gateway");
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var cluster in new[] { "ingestion", "tracker", "notifications" })
        {
            info.Environment[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = $"http://127.0.0.1:{dead}";
        }
        using var gateway = Process.Start(info)!;
        gateway.OutputDataReceived += (_, _) => { };
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            await Eventually.True(async () => (await client.GetAsync("/health/live")).IsSuccessStatusCode, "the second gateway to start", TimeSpan.FromSeconds(60));
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/predictions").WithHeader("Accept", accept);

            await (await client.SendAsync(request)).ShouldBeProblemAsync(502);
        }
        finally
        {
            gateway.Kill(entireProcessTree: true);
            await gateway.WaitForExitAsync();
        }
    }

    // Item 4: the gateway's 1 MiB default refused a 2 MiB batch, which the contract allows up to 16 MiB.
    [Fact]
    public async Task A_2_mib_batch_passes_the_gateway_and_is_accepted()
    {
        using var client = system.Client(Analyst);
        var run = Guid.NewGuid();
        var padding = new string('x', 1000);
        var items = Enumerable.Range(0, 2100).Select(i => new { text = $"Batch {run} statement {i} {padding}", publishedAt = "2020-01-01" }).ToList();
        var json = JsonSerializer.Serialize(items);
        json.Length.ShouldBeGreaterThan(2 * 1024 * 1024);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/statements/batch").Json(json);

        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync()).GetProperty("accepted").GetInt32().ShouldBe(2100);
    }

    [Fact]
    public async Task Bodies_over_the_limits_are_413_problems_batch_over_16_mib_and_others_over_1_mib()
    {
        // Expect: 100-continue lets the refusal arrive before the client has sent megabytes into a closed
        // connection; by default the client gives up waiting after 1 s and sends anyway, too soon on a loaded machine.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) })
        {
            BaseAddress = system.Gateway, Timeout = TimeSpan.FromSeconds(90),
        }.WithApiKey(Analyst);
        using var hugeBatch = new HttpRequestMessage(HttpMethod.Post, "/api/statements/batch")
            .Json("[" + string.Join(",", Enumerable.Repeat($"{{\"text\":\"{new string('y', 1_000_000)}\",\"publishedAt\":\"2020-01-01\"}}", 17)) + "]");
        using var bigStatement = new HttpRequestMessage(HttpMethod.Post, "/api/statements")
            .Json($"{{\"text\":\"{new string('z', 2 * 1024 * 1024)}\",\"publishedAt\":\"2020-01-01\"}}");

        hugeBatch.Headers.ExpectContinue = true;
        bigStatement.Headers.ExpectContinue = true;

        await (await client.SendAsync(hugeBatch)).ShouldBeProblemAsync(413);
        await (await client.SendAsync(bigStatement)).ShouldBeProblemAsync(413);
    }

    // Item 11: an unknown key on a public route was ignored (200).
    [Theory]
    [InlineData("/api/predictions")]
    [InlineData("/api/predictions/iran-deal")]
    [InlineData("/api/predictions/iran-deal/timeline")]
    [InlineData("/api/scorecard")]
    public async Task An_unknown_key_is_401_also_on_a_public_route(string path)
    {
        using var anonymous = system.Client();
        using var wrongKey = system.Client("not-a-key");

        (await anonymous.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await wrongKey.GetAsync(path)).ShouldBeProblemAsync(401);
    }

    // Item 11: auditors read every analyst route (they got 403 on triage and feeds).
    [Theory]
    [InlineData("/api/triage")]
    [InlineData("/api/feeds")]
    [InlineData("/api/statements?q=moscow")]
    public async Task An_auditor_may_get_every_analyst_route(string path)
    {
        using var auditor = system.Client("auditor-dev-key");

        var response = await auditor.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_auditor_still_may_not_write_on_an_analyst_route()
    {
        using var auditor = system.Client("auditor-dev-key");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/feeds").Json("""{"url":"https://example.org/rss","pollIntervalSeconds":3600}""");

        await (await auditor.SendAsync(request)).ShouldBeProblemAsync(403);
    }
}

internal static class ResponseJson
{
    public static async Task<JsonElement> ReadFromJsonAsync(this HttpContent content) =>
        JsonDocument.Parse(await content.ReadAsStringAsync()).RootElement;
}

/// <summary>One HTTP/1.1 exchange over a plain socket, for request forms HttpClient will not send.</summary>
internal static class RawHttp
{
    public static async Task<(int Status, Dictionary<string, string> Headers, string Body)> SendAsync(Uri server, string request)
    {
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(server.Host, server.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var statusLine = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("no status line");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadLineAsync(timeout.Token) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        // Connection: close was asked for, so the body (chunked or not) ends with the stream.
        var raw = await reader.ReadToEndAsync(timeout.Token);
        var body = headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked") ? Dechunk(raw) : raw;
        return (int.Parse(statusLine.Split(' ')[1]), headers, body);
    }

    private static string Dechunk(string raw)
    {
        var body = new StringBuilder();
        var position = 0;
        while (position < raw.Length)
        {
            var lineEnd = raw.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(raw[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }
            body.Append(raw, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
        return body.ToString();
    }
}
