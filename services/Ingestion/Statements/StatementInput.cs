using System.Globalization;
using System.Text.Json;
using PolicyTracker.Contracts.Tracker;

using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Ingestion.Statements;

public sealed record LinkInput(string PredictionId, Stance Stance, Strength Strength, string? Rationale);

public sealed record StatementInput(
    string Text, DateTimeOffset PublishedAt, string? Speaker, SourceReference? Source, IReadOnlyList<LinkInput> Links);

/// <summary>
/// Reads one statement from JSON by hand rather than by binding, so that every problem, including
/// a value of the wrong JSON type, is reported against the field that carries it.
/// </summary>
public static class StatementInputs
{
    public const int MaxTextLength = 20_000;
    public const int MaxShortField = 2_000;

    public static (StatementInput? Input, Dictionary<string, string[]> Errors) Parse(JsonElement json)
    {
        var errors = new Dictionary<string, string[]>();
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["must be a JSON object"];
            return (null, errors);
        }

        var text = ReadString(json, "text", "", errors);
        if (text is not null && string.IsNullOrWhiteSpace(text))
        {
            errors["text"] = ["is required"];
        }
        else if (text is null && !errors.ContainsKey("text"))
        {
            errors["text"] = ["is required"];
        }
        else if (text is { Length: > MaxTextLength })
        {
            errors["text"] = [$"must be at most {MaxTextLength} characters"];
        }

        DateTimeOffset? publishedAt = null;
        var publishedText = ReadString(json, "publishedAt", "", errors);
        if (publishedText is null)
        {
            errors.TryAdd("publishedAt", ["is required"]);
        }
        else if (InputParsing.TryParseTime(publishedText, out var parsed))
        {
            publishedAt = parsed;
        }
        else
        {
            errors["publishedAt"] = ["must be an ISO 8601 time with offset or a date (yyyy-MM-dd)"];
        }

        var speaker = Short(json, "speaker", "", errors);
        var source = ParseSource(json, errors);
        var links = ParseLinks(json, errors);

        return errors.Count > 0
            ? (null, errors)
            : (new StatementInput(text!.Trim(), publishedAt!.Value, speaker, source, links), errors);
    }

    public static IReadOnlyList<LinkInput> ParseLinks(JsonElement json, Dictionary<string, string[]> errors)
    {
        if (!json.TryGetProperty("links", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            errors["links"] = ["must be an array"];
            return [];
        }
        var links = new List<LinkInput>();
        var index = 0;
        foreach (var link in array.EnumerateArray())
        {
            var at = $"links[{index++}].";
            if (link.ValueKind != JsonValueKind.Object)
            {
                errors[at.TrimEnd('.')] = ["must be an object"];
                continue;
            }
            var predictionId = ReadString(link, "predictionId", at, errors);
            if (string.IsNullOrWhiteSpace(predictionId))
            {
                errors.TryAdd(at + "predictionId", ["is required"]);
            }
            var stance = EnumValue<Stance>(link, "stance", at, errors);
            var strength = EnumValue<Strength>(link, "strength", at, errors);
            var rationale = ReadString(link, "rationale", at, errors);
            if (rationale is { Length: > InputParsing.MaxRationaleLength })
            {
                errors[at + "rationale"] = [$"must be at most {InputParsing.MaxRationaleLength} characters"];
            }
            rationale = string.IsNullOrWhiteSpace(rationale) ? null : rationale.Trim();
            if (!string.IsNullOrWhiteSpace(predictionId) && stance is not null && strength is not null)
            {
                links.Add(new LinkInput(predictionId.Trim(), stance.Value, strength.Value, rationale));
            }
        }
        if (links.GroupBy(l => l.PredictionId).Any(g => g.Count() > 1))
        {
            errors["links"] = ["must name each prediction at most once"];
        }
        return links;
    }

    private static SourceReference? ParseSource(JsonElement json, Dictionary<string, string[]> errors)
    {
        if (!json.TryGetProperty("source", out var source) || source.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (source.ValueKind != JsonValueKind.Object)
        {
            errors["source"] = ["must be an object"];
            return null;
        }
        var at = "source.";
        var url = ReadString(source, "url", at, errors);
        if (!string.IsNullOrWhiteSpace(url))
        {
            if (url.Length > MaxShortField ||
                !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            {
                errors[at + "url"] = ["must be an absolute http(s) URL"];
            }
        }
        var title = Short(source, "title", at, errors);
        var publisher = Short(source, "publisher", at, errors);
        return new SourceReference(string.IsNullOrWhiteSpace(url) ? null : url.Trim(), title, publisher);
    }

    public static string? ReadString(JsonElement json, string name, string prefix, Dictionary<string, string[]> errors)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors[prefix + name] = ["must be a string"];
            return null;
        }
        string? text;
        try
        {
            text = value.GetString();
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode an escaped unpaired surrogate such as "\ud800".
            errors[prefix + name] = ["must be valid Unicode text without NUL characters"];
            return null;
        }
        // PostgreSQL text and jsonb hold neither NUL nor unpaired surrogates: refuse them here rather than fail in the database.
        if (text is not null && (text.Contains('\0') || !IsWellFormed(text)))
        {
            errors[prefix + name] = ["must be valid Unicode text without NUL characters"];
            return null;
        }
        return text;
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsWellFormed(string text)
    {
        try
        {
            StrictUtf8.GetByteCount(text);
            return true;
        }
        catch (System.Text.EncoderFallbackException)
        {
            return false;
        }
    }

    private static string? Short(JsonElement json, string name, string prefix, Dictionary<string, string[]> errors)
    {
        var value = ReadString(json, name, prefix, errors);
        if (value is { Length: > MaxShortField })
        {
            errors[prefix + name] = [$"must be at most {MaxShortField} characters"];
        }
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static T? EnumValue<T>(JsonElement json, string name, string prefix, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        if (InputParsing.TryParseEnum<T>(ReadString(json, name, prefix, errors), out var value))
        {
            return value;
        }
        errors.TryAdd(prefix + name, [$"must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}"]);
        return null;
    }
}
