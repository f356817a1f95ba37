using System.Net;
using System.Text.Json;

namespace PolicyTracker.Web.Api;

/// <summary>A problem+json body as the services send it (RFC 9457), with field errors for a 400.</summary>
public sealed record Problem(string? Title, string? Detail, int? Status, Dictionary<string, string[]>? Errors);

/// <summary>
/// The answer of one API call as a page needs it: the value, or the status and problem to show as a
/// readable message, or the fact that the service did not answer at all.
/// </summary>
public sealed record ApiResult<T>(T? Value, HttpStatusCode Status, Problem? Problem, string? Unavailable, string? ETag = null)
{
    public bool Ok => Unavailable is null && (int)Status is >= 200 and < 300;

    public string Message => Unavailable is not null
        ? $"The {Unavailable} service is unavailable right now; try again in a moment."
        : Problem?.Detail ?? Problem?.Title ?? $"The request failed ({(int)Status}).";

    public string? FieldError(string field) =>
        Problem?.Errors?.FirstOrDefault(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).Value is { } messages
            ? string.Join(" ", messages)
            : null;
}

public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
