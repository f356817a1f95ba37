using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace PolicyTracker.ServiceDefaults.Requests;

/// <summary>
/// Checks that turn inputs the framework or the database would answer with a 500 (or the gateway
/// with a 502) into 4xx problems that name what is wrong. Each returns null when the request may go on.
/// </summary>
public static class RequestGuards
{
    /// <summary>
    /// Header values must be visible ASCII (and tabs/spaces): the gateway's HTTP client cannot
    /// forward other bytes, and no header this system reads legitimately carries them.
    /// </summary>
    public static ProblemDetails? CheckHeaderBytes(HttpRequest request)
    {
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                if (value is not null && value.Any(c => c > '~' || (c < ' ' && c != '\t')))
                {
                    return Problem(StatusCodes.Status400BadRequest, "Malformed header",
                        $"The header '{Printable(name)}' contains characters other than printable ASCII.",
                        new Dictionary<string, string[]> { [Printable(name)] = ["must contain printable ASCII characters only"] });
                }
            }
        }
        return null;
    }

    /// <summary>A query value (or name) with a NUL ("%00") would reach PostgreSQL, which cannot take it.</summary>
    public static ProblemDetails? CheckQuery(HttpRequest request)
    {
        if (!request.QueryString.HasValue || !request.QueryString.Value!.Contains("%00", StringComparison.Ordinal))
        {
            return null;
        }
        var bad = request.Query.Where(q => q.Key.Contains('\0') || q.Value.Any(v => v?.Contains('\0') == true)).Select(q => Printable(q.Key)).ToList();
        return bad.Count == 0
            ? null
            : Problem(StatusCodes.Status400BadRequest, "NUL character in the query",
                "Query parameters must not contain the NUL character (%00).",
                bad.ToDictionary(name => name, _ => new[] { "must not contain the NUL character (%00)" }));
    }

    /// <summary>
    /// Bodies are read as UTF-8. A charset parameter may spell UTF-8 harmlessly ("utf-8", "UTF-8",
    /// quoted, or the common alias "utf8") and is then normalised to charset=utf-8; any other value,
    /// an empty one or a repeated one is 415 instead of the framework's 500.
    /// </summary>
    public static ProblemDetails? CheckCharset(HttpRequest request)
    {
        var header = request.ContentType;
        if (string.IsNullOrEmpty(header) || !MediaTypeHeaderValue.TryParse(header, out var mediaType))
        {
            return null; // no or unparseable content type: each endpoint answers 415 for what it cannot read
        }
        var charsets = mediaType.Parameters.Where(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)).ToList();
        if (charsets.Count == 0)
        {
            return null;
        }
        var value = charsets.Count == 1 ? HeaderUtilities.RemoveQuotes(charsets[0].Value).ToString().Trim() : "";
        if (charsets.Count > 1 || !(value.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || value.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
        {
            var shown = charsets.Count > 1 ? "more than one charset" : $"charset '{Printable(charsets[0].Value.ToString())}'";
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported charset",
                $"The request body's {shown} is not supported: send UTF-8 (charset=utf-8, or no charset).", null);
        }
        if (!charsets[0].Value.Equals("utf-8", StringComparison.Ordinal))
        {
            charsets[0].Value = "utf-8";
            request.ContentType = mediaType.ToString();
        }
        return null;
    }

    /// <summary>
    /// PostgreSQL cannot store U+0000 in text or jsonb, and an escaped unpaired surrogate ("\ud800")
    /// makes the JSON reader throw when the string is read; a JSON body carrying either in any string
    /// (or property name) is refused here, naming the field, instead of failing with a 500 further on.
    /// Cheap for every other body: the JSON is only walked when such an escape may occur in it.
    /// </summary>
    public static async Task<ProblemDetails?> CheckBodyTextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType) || request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true)
        {
            return null;
        }
        // Held in memory (within the route's size limit, which Kestrel enforces while this reads)
        // and handed on as the body: cheaper than EnableBuffering, which spills large bodies to disk.
        var copy = new MemoryStream();
        request.HttpContext.Response.RegisterForDispose(copy);
        await request.Body.CopyToAsync(copy, cancellationToken);
        copy.Position = 0;
        request.Body = copy;
        var json = copy.GetBuffer().AsMemory(0, (int)copy.Length);
        if (!MayHoldBadText(json.Span))
        {
            return null;
        }
        var fields = IsNdjson(request.ContentType) ? NdjsonFieldsWithBadText(json) : FieldsWithBadText(json);
        return fields.Count == 0
            ? null
            : Problem(StatusCodes.Status400BadRequest, "Invalid text in the body",
                "Strings must not contain the NUL character (\\u0000) or unpaired UTF-16 surrogates (\\ud800-\\udfff alone).",
                fields.Take(20).ToDictionary(f => f, _ => new[] { BadTextMessage }));
    }

    /// <summary>NDJSON line by line, so a malformed line does not hide bad text in another: "line 3.text".</summary>
    public static IReadOnlyList<string> NdjsonFieldsWithBadText(ReadOnlyMemory<byte> body)
    {
        var found = new List<string>();
        var rest = body;
        for (var line = 1; rest.Length > 0; line++)
        {
            var end = rest.Span.IndexOf((byte)'\n');
            var current = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (MayHoldBadText(current.Span))
            {
                found.AddRange(FieldsWithBadText(current).Select(f => $"line {line}" + (f == "body" ? "" : (f.StartsWith('[') ? f : "." + f))));
            }
        }
        return found;
    }

    /// <summary>
    /// The JSON paths ("links[0].rationale", "[3].text") of strings and property names that contain
    /// U+0000 or an unpaired surrogate. Malformed JSON is the endpoint's to refuse; what was found
    /// before the error is still reported.
    /// </summary>
    public static IReadOnlyList<string> FieldsWithBadText(ReadOnlyMemory<byte> json)
    {
        var found = new List<string>();
        var path = new List<Frame>();
        var reader = new Utf8JsonReader(json.Span, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        path.Add(new Frame(null, -1));
                        break;
                    case JsonTokenType.StartArray:
                        path.Add(new Frame(null, 0));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        NextItem(path);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = ReadText(ref reader);
                        path[^1] = path[^1] with { Name = name ?? Encoding.UTF8.GetString(reader.ValueSpan) };
                        if (name is null || name.Contains('\0'))
                        {
                            found.Add(Describe(path));
                        }
                        break;
                    case JsonTokenType.String:
                        if (ReadText(ref reader) is not { } text || text.Contains('\0'))
                        {
                            found.Add(Describe(path));
                        }
                        NextItem(path);
                        break;
                    default:
                        NextItem(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed further on: the endpoint refuses it anyway.
        }
        return found.Distinct().ToList();
    }

    public const string BadTextMessage = "must not contain the NUL character (\\u0000) or an unpaired surrogate";

    // "\u0000", or "\ud"/"\uD" which starts every surrogate escape (and some harmless ones; the walk decides).
    private static bool MayHoldBadText(ReadOnlySpan<byte> json) =>
        json.IndexOf(@"\u0000"u8) >= 0 || json.IndexOf(@"\ud"u8) >= 0 || json.IndexOf(@"\uD"u8) >= 0;

    /// <summary>The string the token holds; null when it is not valid UTF-16 (an escaped unpaired surrogate).</summary>
    private static string? ReadText(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>One open container: an object's current property name, or an array's current index.</summary>
    private sealed record Frame(string? Name, int Index);

    private static void NextItem(List<Frame> path)
    {
        if (path.Count > 0 && path[^1].Index >= 0)
        {
            path[^1] = path[^1] with { Index = path[^1].Index + 1 };
        }
    }

    private static string Describe(List<Frame> path)
    {
        var text = new StringBuilder();
        foreach (var frame in path)
        {
            if (frame.Index >= 0)
            {
                text.Append('[').Append(frame.Index).Append(']');
            }
            else if (frame.Name is not null)
            {
                text.Append(text.Length > 0 ? "." : "").Append(Printable(frame.Name));
            }
        }
        return text.Length == 0 ? "body" : text.ToString();
    }

    private static readonly string[] NdjsonTypes = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"];

    private static string? MediaType(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var mediaType) ? mediaType.MediaType.ToString().ToLowerInvariant() : null;

    private static bool IsNdjson(string? contentType) => NdjsonTypes.Contains(MediaType(contentType));

    private static bool IsJson(string? contentType) =>
        MediaType(contentType) is { } type && (type == "application/json" || type.EndsWith("+json") || NdjsonTypes.Contains(type));

    /// <summary>Names echoed back in a problem: control and non-ASCII characters shown as escapes.</summary>
    private static string Printable(string value)
    {
        var text = new StringBuilder(Math.Min(value.Length, 100));
        foreach (var c in value.Take(100))
        {
            text.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}");
        }
        return text.ToString();
    }

    private static ProblemDetails Problem(int status, string title, string detail, Dictionary<string, string[]>? errors) =>
        errors is null
            ? new ProblemDetails { Status = status, Title = title, Detail = detail }
            : new HttpValidationProblemDetails(errors) { Status = status, Title = title, Detail = detail };
}
