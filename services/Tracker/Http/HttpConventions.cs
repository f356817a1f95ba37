using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker.Http;

/// <summary>Checks every prediction route shares: ids, the horizon range, probabilities, ETag/If-Match (field checks: InputParsing).</summary>
public static class HttpConventions
{
    public static readonly DateTimeOffset EarliestHorizon = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LatestHorizon = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static ValidationProblem MalformedId(string field = "id") =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = ["must be a lower-case slug such as sanctions-relief"] });

    public static ProblemHttpResult NotFound(string id) => Problem(Refusal.UnknownPrediction(id));

    /// <summary>A refused write as problem+json: unknown is 404, a stale If-Match 412, a conflict 409.</summary>
    public static ProblemHttpResult Problem(Refusal refusal) => TypedResults.Problem(
        statusCode: refusal.Kind switch
        {
            RefusalKind.NotFound => StatusCodes.Status404NotFound,
            RefusalKind.Stale => StatusCodes.Status412PreconditionFailed,
            _ => StatusCodes.Status409Conflict,
        },
        title: refusal.Title, detail: refusal.Detail);

    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>The version an If-Match names; null when absent. A value that names no version is stale by definition.</summary>
    public static long? IfMatch(HttpRequest request, out bool present)
    {
        var header = request.Headers.IfMatch.ToString();
        present = !string.IsNullOrWhiteSpace(header);
        if (!present || header.Trim() == "*")
        {
            return null;
        }
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }
        return long.TryParse(value.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1;
    }

    public static ProblemHttpResult IfMatchRequired() =>
        TypedResults.Problem(statusCode: 428, title: "If-Match required", detail: "Send If-Match with the version from the ETag.");

    public static bool IsProbability(double? p) => p is >= ProbabilityRules.Minimum and <= ProbabilityRules.Maximum;
}
