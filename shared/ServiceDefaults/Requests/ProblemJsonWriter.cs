using System.Text.Json;
using Microsoft.AspNetCore.Http;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace PolicyTracker.ServiceDefaults.Requests;

/// <summary>
/// The framework's own problem writer declines when the request's Accept header excludes JSON,
/// and the status-code pages then fall back to text/plain ("Status Code: 404"). The contract says
/// every error is problem+json whatever Accept says, so this writer takes every request the
/// default one declines, and writes the same shape (status, title, RFC type, traceId).
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public const string ContentType = "application/problem+json";

    // The same references the framework's defaults use, for the statuses this system answers.
    private static readonly Dictionary<int, string> Types = new()
    {
        [400] = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        [401] = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        [403] = "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        [404] = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        [405] = "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        [406] = "https://tools.ietf.org/html/rfc9110#section-15.5.7",
        [408] = "https://tools.ietf.org/html/rfc9110#section-15.5.9",
        [409] = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        [412] = "https://tools.ietf.org/html/rfc9110#section-15.5.13",
        [413] = "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        [415] = "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        [422] = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        [500] = "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        [502] = "https://tools.ietf.org/html/rfc9110#section-15.6.3",
        [503] = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        [504] = "https://tools.ietf.org/html/rfc9110#section-15.6.5",
    };

    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        if (problem.Type is null && Types.TryGetValue(problem.Status.Value, out var type))
        {
            problem.Type = type;
        }
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(
            problem, problem.GetType(), jsonOptions.Value.SerializerOptions, ContentType, http.RequestAborted));
    }
}
