using System.Text;
using System.Text.Json.Nodes;

namespace PolicyTracker.EndToEnd.Tests.Hardening;

/// <summary>A generated request, kept as plain data so a failure can be printed and replayed.</summary>
public sealed record HostileRequest(int Index, string Method, string PathAndQuery, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, string? ContentType, string What)
{
    public string Describe()
    {
        var text = new StringBuilder($"#{Index} [{What}] {Method} {PathAndQuery}");
        foreach (var (name, value) in Headers)
        {
            text.Append($"\n  {name}: {Shorten(value)}");
        }
        if (ContentType is not null)
        {
            text.Append($"\n  Content-Type: {Shorten(ContentType)}");
        }
        if (Body is not null)
        {
            text.Append($"\n  body ({Body.Length} bytes): {Shorten(Encoding.UTF8.GetString(Body))}");
        }
        return text.ToString();
    }

    private static string Shorten(string value) => value.Length > 300 ? value[..300] + $"… ({value.Length} chars)" : value;
}

/// <summary>
/// Seeded, reproducible malformed requests from the services' OpenAPI documents: request i of seed s
/// is always the same request. Most keep the route and the right key and break one thing (a field's
/// type or size, a NUL, the JSON itself, the charset, a header's bytes, the method, a path or query
/// value) so the request reaches the code behind the route; some break several.
/// </summary>
public static class HostileRequests
{
    private static readonly string[] Predictions = ["iran-deal", "sanctions-relief", "syria-victory", "minsk-elections", "baltic-attack", "kuril-islands"];

    private static readonly string[] HostileFragments =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e308", "-1e308", "1e400", "123456789012345678901234567890",
        "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\u0001\\u001f\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\uffff\"",
        "\"💥🇺🇦 ‮RTL\"", "\"<script>alert(1)</script>\"", "\"' OR 1=1 --\"", "\"${jndi:ldap://x}\"", "\"../../etc/passwd\"",
        "\"0000-00-00\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00+14:00\"", "\"2020-02-30\"", "\"NaN\"", "\"-Infinity\"",
        "[]", "{}", "[null]", "[1,2,3]", "{\"a\":{\"b\":{\"c\":[]}}}", "\"not-a-slug Ünïcode\"", "\"http://169.254.169.254/latest\"",
    ];

    private static readonly string[] WholeBodies =
    [
        "", " ", "null", "[]", "{}", "\"text\"", "42", "{", "}", "{\"a\":", "{'a':1}", "{\"a\":1,}", "{\"a\":1}{\"b\":2}",
        "{\"text\":\"x\",\"text\":\"y\",\"publishedAt\":\"2020-01-01\"}", "[{\"text\":\"\\u0000\",\"publishedAt\":\"2020-01-01\"}]",
        "\u0000", "{\"a\":\"\u0001\"}", "{\"a\":1} trailing", "\uFEFF{}", "<xml/>", "a=1&b=2", "--boundary\r\n\r\n--boundary--",
    ];

    private static readonly string[] Accepts =
    [
        "application/json", "application/problem+json", "*/*", "application/xml", "text/html", "image/png", "text/plain",
        "text/csv", "text/event-stream", "application/x-ndjson", "garbage", "", "application/json;q=0", "*/*;q=abc",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json; charset=bogus", "application/json; charset=\"utf-8\"", "application/json; charset=UTF8",
        "application/json; charset=utf-7", "application/json; charset=x-user-defined", "application/json; charset=",
        "application/json; charset=utf-16", "application/json; charset=latin1", "application/json; charset=utf-8; charset=latin1",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/x-ndjson",
        "application/merge-patch+json", "application/json; foo", "json", ";;;", "application/json; charset=\"", "*/*",
    ];

    private static readonly string[] Keys = ["analyst-dev-key", "auditor-dev-key", "subscriber-dev-key", "subscriber2-dev-key", "admin-dev-key"];

    private static readonly string[] HostileKeys = ["", "not-a-key", "analyst-dev-key ", "ANALYST-DEV-KEY", "café", "ключ", "analyst-dev-key, admin-dev-key", "\t", "k\u00ff"];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "MKCOL", "FOO", "get"];

    private static readonly string[] HostileSegments =
    [
        "%00", "a%00b", "%ff", "%c3%28", "%ed%a0%80", "%c0%80", "..%2f..%2fetc", "%2e%2e", "ключ", "%E2%80%AE", "-1", "0", "99999999999999999999",
        "00000000-0000-0000-0000-000000000000", "not-a-guid", "'", "%22", "%3Cscript%3E", "a b", "%20", "~", "%25",
    ];

    public static HostileRequest Generate(int index, int seed, IReadOnlyList<OpenApiOperation> operations)
    {
        var random = new Random(unchecked(seed * 1_000_003 + index));
        var operation = operations[random.Next(operations.Count)];
        var what = new List<string>();
        var headers = new List<(string, string)>();

        var method = operation.Method;
        if (random.NextDouble() < 0.08)
        {
            method = Pick(random, Methods);
            what.Add("method");
        }

        var path = PathFor(random, operation, what);
        var query = QueryFor(random, operation, what);

        var key = KeyFor(operation);
        if (random.NextDouble() < 0.1)
        {
            key = Pick(random, HostileKeys);
            what.Add("key");
        }
        else if (random.NextDouble() < 0.05)
        {
            key = Pick(random, Keys);
            what.Add("other role");
        }
        if (key is not null)
        {
            headers.Add(("X-Api-Key", key));
        }
        if (random.NextDouble() < 0.35)
        {
            headers.Add(("Accept", Pick(random, Accepts)));
        }
        if (operation.Path.EndsWith("/wording") || random.NextDouble() < 0.05)
        {
            headers.Add(("If-Match", random.NextDouble() < 0.6
                ? $"\"{random.Next(1, 4)}\""
                : Pick(random, ["*", "W/\"1\"", "\"\"", "garbage", "\"1é\"", "\"99999999999999999999\"", "\"-1\"", "\"1\", \"2\"", ""])));
        }
        if (operation.Path.EndsWith("/stream"))
        {
            headers.Add(("Last-Event-ID", Pick(random, ["", "0", "-5", "abc", "99999999999999999999", "1e3"])));
        }
        if (random.NextDouble() < 0.04)
        {
            headers.Add((Pick(random, ["X-Forwarded-For", "X-Correlation-Id", "traceparent", "Cookie", "Referer", "User-Agent"]),
                Pick(random, ["garbage", "00-zz-zz-01", "ü", new string('x', 8000), "a\tb", "1.2.3.4, ::1, localhost"])));
            what.Add("odd header");
        }

        byte[]? body = null;
        string? contentType = null;
        var takesBody = operation.BodySchema is not null || Samples.ContainsKey(operation.Path) || method is "POST" or "PUT" or "PATCH";
        if (takesBody && method is not ("GET" or "HEAD" or "CONNECT" or "TRACE"))
        {
            (body, contentType) = BodyFor(random, operation, what);
        }
        if (what.Count == 0)
        {
            what.Add("valid-ish");
        }
        return new HostileRequest(index, method, path + query, headers, body, contentType, string.Join(", ", what));
    }

    private static string? KeyFor(OpenApiOperation operation) => operation switch
    {
        { Service: "notifications" } => "subscriber-dev-key",
        { Path: var p } when p.EndsWith("/history") || p.EndsWith("/integrity") => "auditor-dev-key",
        { Method: "GET", Service: "tracker" } => null,
        _ => "analyst-dev-key",
    };

    private static string PathFor(Random random, OpenApiOperation operation, List<string> what)
    {
        var path = operation.Path;
        foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
        {
            string value;
            if (random.NextDouble() < 0.2)
            {
                value = random.NextDouble() < 0.2 ? new string('a', random.Next(300, 5000)) : Pick(random, HostileSegments);
                what.Add($"path {parameter.Name}");
            }
            else
            {
                value = operation.Service == "tracker" && parameter.Name == "id" ? Pick(random, Predictions) : SeededGuid(random).ToString();
            }
            path = path.Replace("{" + parameter.Name + "}", value);
        }
        return path;
    }

    private static string QueryFor(Random random, OpenApiOperation operation, List<string> what)
    {
        var parts = new List<string>();
        foreach (var parameter in operation.Parameters.Where(p => p.In == "query"))
        {
            if (random.NextDouble() < 0.5)
            {
                continue;
            }
            string value;
            if (random.NextDouble() < 0.4)
            {
                value = Pick(random, ["-1", "0", "99999999999", "1e5", "abc", "%00", "%ff", "2020-13-45", "0001-01-01", "9999-12-31T23:59:59Z",
                    new string('q', 3000), "%27%20OR%201%3D1", "%ed%a0%80", "%c0%80", "a%00", "true", "", "%E2%80%AE", "null"]);
                what.Add($"query {parameter.Name}");
            }
            else
            {
                value = parameter.Name switch
                {
                    "limit" => random.Next(1, 200).ToString(),
                    "recordedAt" or "effectiveAt" => Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-random.Next(0, 4000)).ToString("O")),
                    "order" => Pick(random, ["recorded", "effective"]),
                    "status" => Pick(random, ["likely", "unlikely", "uncertain", "resolved", "pending", "triage"]),
                    _ => "moscow",
                };
            }
            parts.Add($"{parameter.Name}={value}");
        }
        if (random.NextDouble() < 0.03)
        {
            parts.Add(Pick(random, ["%zz", "a=%", "=", "&&&", "x=1&x=2", "limit=1&limit=abc"]));
            what.Add("odd query");
        }
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    private static (byte[] Body, string ContentType) BodyFor(Random random, OpenApiOperation operation, List<string> what)
    {
        var contentType = operation.Path.EndsWith("/batch") && random.NextDouble() < 0.3 ? "application/x-ndjson" : "application/json";
        if (random.NextDouble() < 0.08)
        {
            contentType = Pick(random, ContentTypes);
            what.Add("content type");
        }
        var roll = random.NextDouble();
        if (roll < 0.12)
        {
            what.Add("whole body");
            return (Encoding.UTF8.GetBytes(Pick(random, WholeBodies)), contentType);
        }
        if (roll < 0.17)
        {
            what.Add("bytes");
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            return (bytes, contentType);
        }
        if (roll < 0.20)
        {
            what.Add("deep nesting");
            var depth = random.Next(50, 3000);
            return (Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)), contentType);
        }

        var node = Sample(random, operation);
        var fragments = new Dictionary<string, string>();
        var mutations = roll < 0.3 ? 0 : random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            Mutate(random, node, fragments, what);
        }
        string Render(JsonNode? part)
        {
            var rendered = part?.ToJsonString() ?? "null";
            foreach (var (placeholder, fragment) in fragments)
            {
                rendered = rendered.Replace($"\"{placeholder}\"", fragment);
            }
            return rendered;
        }
        var text = contentType == "application/x-ndjson" && node is JsonArray lines
            ? string.Join("\n", lines.Select(Render))
            : Render(node);
        if (random.NextDouble() < 0.03)
        {
            text = text[..random.Next(0, text.Length)];
            what.Add("truncated");
        }
        return (Encoding.UTF8.GetBytes(text), contentType);
    }

    /// <summary>Puts a hostile value somewhere in the body: replaces a field, adds one, or removes one.</summary>
    private static void Mutate(Random random, JsonNode? node, Dictionary<string, string> fragments, List<string> what)
    {
        var containers = new List<JsonNode>();
        Collect(node, containers);
        if (containers.Count == 0)
        {
            return;
        }
        var container = containers[random.Next(containers.Count)];
        var placeholder = $"__hostile_{fragments.Count}__";
        var fragment = random.NextDouble() < 0.1
            ? $"\"{new string('A', random.Next(20_000, 400_000))}\""
            : Pick(random, HostileFragments);
        fragments[placeholder] = fragment;
        switch (container)
        {
            case JsonObject obj when obj.Count > 0 && random.NextDouble() < 0.85:
                var name = obj.Select(p => p.Key).ElementAt(random.Next(obj.Count));
                if (random.NextDouble() < 0.1)
                {
                    obj.Remove(name);
                    what.Add($"without {name}");
                }
                else
                {
                    obj[name] = placeholder;
                    what.Add($"{name}={Short(fragment)}");
                }
                break;
            case JsonObject obj:
                obj[random.NextDouble() < 0.5 ? "unexpected" : "\u0000key"] = placeholder;
                what.Add("extra field");
                break;
            case JsonArray array when array.Count > 0:
                array[random.Next(array.Count)] = placeholder;
                what.Add($"item={Short(fragment)}");
                break;
            case JsonArray array:
                array.Add(placeholder);
                what.Add("extra item");
                break;
        }
    }

    private static string Short(string fragment) => fragment.Length > 20 ? $"<{fragment.Length} chars>" : fragment;

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        switch (node)
        {
            case JsonObject obj:
                into.Add(obj);
                foreach (var (_, child) in obj)
                {
                    Collect(child, into);
                }
                break;
            case JsonArray array:
                into.Add(array);
                foreach (var child in array)
                {
                    Collect(child, into);
                }
                break;
        }
    }

    /// <summary>A plausible body: from the schema where the document has one, otherwise from the contract's examples.</summary>
    private static JsonNode? Sample(Random random, OpenApiOperation operation)
    {
        if (Samples.TryGetValue(operation.Path, out var samples))
        {
            var text = Pick(random, samples)
                .Replace("{prediction}", Pick(random, Predictions))
                .Replace("{unique}", SeededGuid(random).ToString("N"));
            return JsonNode.Parse(text);
        }
        return operation.BodySchema is null ? new JsonObject() : FromSchema(random, operation.BodySchema, operation.Components, 0);
    }

    private static JsonNode? FromSchema(Random random, JsonNode schema, JsonObject components, int depth)
    {
        if (schema["$ref"] is JsonValue reference)
        {
            var name = ((string)reference!).Split('/')[^1];
            return depth > 5 || components[name] is not { } target ? null : FromSchema(random, target, components, depth + 1);
        }
        if (schema["enum"] is JsonArray values && values.Count > 0)
        {
            return values[random.Next(values.Count)]?.DeepClone();
        }
        return OpenApiDocuments.TypeOf(schema) switch
        {
            "object" => new JsonObject((schema["properties"]?.AsObject() ?? [])
                .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : FromSchema(random, p.Value, components, depth + 1)))),
            "array" => schema["items"] is { } items ? new JsonArray(FromSchema(random, items, components, depth + 1)) : new JsonArray(),
            "integer" => random.Next(0, 100),
            "number" => Math.Round(random.NextDouble(), 2),
            "boolean" => random.NextDouble() < 0.5,
            "string" when (string?)schema["format"] == "date-time" => DateTimeOffset.UtcNow.AddDays(-random.Next(0, 3000)).ToString("O"),
            "string" => $"value {random.Next(1000)}",
            _ => null,
        };
    }

    /// <summary>Bodies the documents do not describe (the routes read raw JSON), as api.md gives them.</summary>
    private static readonly Dictionary<string, string[]> Samples = new()
    {
        ["/api/statements"] =
        [
            """{"text":"Moscow says {unique}","publishedAt":"2020-01-01T00:00:00Z","speaker":"x","source":{"url":"https://example.org/{unique}","title":"t","publisher":"p"},"links":[{"predictionId":"{prediction}","stance":"supports","strength":"weak","rationale":"r"}]}""",
            """{"text":"Kremlin statement {unique}","publishedAt":"2019-05-08"}""",
        ],
        ["/api/statements/batch"] =
        [
            """[{"text":"Batch one {unique}","publishedAt":"2020-01-01"},{"text":"Batch two {unique}","publishedAt":"2020-01-02","links":[{"predictionId":"{prediction}","stance":"undermines","strength":"moderate"}]}]""",
        ],
        ["/api/triage/{id}"] = ["""{"links":[{"predictionId":"{prediction}","stance":"neutral","strength":"weak"}]}""", """{"dismiss":true,"reason":"noise"}"""],
        ["/api/feeds"] = ["""{"url":"https://feeds.example.org/{unique}.xml","pollIntervalSeconds":3600}"""],
        ["/api/subscriptions"] =
        [
            """{"channel":{"type":"webhook","url":"http://127.0.0.1:9/{unique}"},"filter":{"predictionIds":["{prediction}"],"events":["resolved"]}}""",
            """{"channel":{"type":"email","address":"a{unique}@example.org"},"filter":{"tags":["iran"]}}""",
            """{"channel":{"type":"feed"}}""",
        ],
    };

    private static T Pick<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    /// <summary>A GUID from the seeded generator, so a run is reproducible.</summary>
    private static Guid SeededGuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}
