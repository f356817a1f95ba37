using System.Text.Json;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Requests;
using static PolicyTracker.ServiceDefaults.InputParsing;

namespace PolicyTracker.Ingestion.Statements;

public sealed record LinkInput(string PredictionId, Stance Stance, Strength Strength, string? Rationale);

public sealed record StatementInput(
    string Text, DateTimeOffset PublishedAt, string? Speaker, SourceReference? Source, IReadOnlyList<LinkInput> Links);

/// <summary>A link as the request carries it: stance and strength as text, read by the one enum parser.</summary>
public sealed record LinkRequest(string? PredictionId, string? Stance, string? Strength, string? Rationale);

public sealed record SourceRequest(string? Url, string? Title, string? Publisher);

/// <summary>One statement as <c>POST /api/statements</c> and each batch item carry it.</summary>
public sealed record StatementRequest(string? Text, string? PublishedAt, string? Speaker, SourceRequest? Source, List<LinkRequest?>? Links);

/// <summary>
/// Checks a bound statement request field by field (a value of the wrong JSON type is refused while binding,
/// naming its field: <see cref="JsonBodyErrors"/>), and turns it into the input the intake stores.
/// </summary>
public static class StatementInputs
{
    public const int MaxTextLength = 20_000;
    public const int MaxShortField = 2_000;

    /// <summary>One batch item: read as a <see cref="StatementRequest"/> (as a bound body is), then validated.</summary>
    public static (StatementInput? Input, Dictionary<string, string[]> Errors) Parse(JsonElement json, JsonSerializerOptions? options = null) =>
        JsonBodyErrors.TryRead<StatementRequest>(json, options ?? JsonSerializerOptions.Web, out var request, out var errors)
            ? Validate(request)
            : (null, errors);

    public static (StatementInput? Input, Dictionary<string, string[]> Errors) Validate(StatementRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["must be a JSON object"];
            return (null, errors);
        }
        Require(errors, "text", !string.IsNullOrWhiteSpace(request.Text), "is required");
        Require(errors, "text", request.Text is not { Length: > MaxTextLength }, $"must be at most {MaxTextLength} characters");
        Require(errors, "publishedAt", request.PublishedAt is not null, "is required");
        var publishedOk = TryParseTime(request.PublishedAt, out var publishedAt);
        Require(errors, "publishedAt", request.PublishedAt is null || publishedOk, "must be an ISO 8601 time with offset or a date (yyyy-MM-dd)");
        var speaker = Short(request.Speaker, "speaker", errors);
        var source = ValidateSource(request.Source, errors);
        var links = ValidateLinks(request.Links, errors);

        return errors.Count > 0
            ? (null, errors)
            : (new StatementInput(request.Text!.Trim(), publishedAt, speaker, source, links), errors);
    }

    public static IReadOnlyList<LinkInput> ValidateLinks(List<LinkRequest?>? requested, Dictionary<string, string[]> errors)
    {
        var links = new List<LinkInput>();
        foreach (var (link, index) in (requested ?? []).Select((l, i) => (l, i)))
        {
            var at = $"links[{index}]";
            if (link is null)
            {
                errors[at] = ["must be an object"];
                continue;
            }
            Require(errors, at + ".predictionId", !string.IsNullOrWhiteSpace(link.PredictionId), "is required");
            Require(errors, at + ".stance", TryParseEnum<Stance>(link.Stance, out var stance), OneOf<Stance>());
            Require(errors, at + ".strength", TryParseEnum<Strength>(link.Strength, out var strength), OneOf<Strength>());
            Require(errors, at + ".rationale", link.Rationale is not { Length: > MaxRationaleLength }, $"must be at most {MaxRationaleLength} characters");
            if (!string.IsNullOrWhiteSpace(link.PredictionId) && errors.Keys.All(k => !k.StartsWith(at + ".", StringComparison.Ordinal)))
            {
                links.Add(new LinkInput(link.PredictionId.Trim(), stance, strength, string.IsNullOrWhiteSpace(link.Rationale) ? null : link.Rationale.Trim()));
            }
        }
        Require(errors, "links", links.GroupBy(l => l.PredictionId).All(g => g.Count() == 1), "must name each prediction at most once");
        return links;
    }

    private static SourceReference? ValidateSource(SourceRequest? source, Dictionary<string, string[]> errors)
    {
        if (source is null)
        {
            return null;
        }
        var url = string.IsNullOrWhiteSpace(source.Url) ? null : source.Url.Trim();
        Require(errors, "source.url", url is null || (url.Length <= MaxShortField
            && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)),
            "must be an absolute http(s) URL");
        return new SourceReference(url, Short(source.Title, "source.title", errors), Short(source.Publisher, "source.publisher", errors));
    }

    private static string? Short(string? value, string field, Dictionary<string, string[]> errors)
    {
        Require(errors, field, value is not { Length: > MaxShortField }, $"must be at most {MaxShortField} characters");
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
