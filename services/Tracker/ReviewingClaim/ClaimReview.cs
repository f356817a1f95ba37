using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using Microsoft.Extensions.Options;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.ReviewingClaim;

/// <summary>Bound from Tracker.</summary>
public sealed class ClaimReviewOptions
{
    public const string Section = "Tracker";

    /// <summary>The dashboard's public address, for a review's url; unset, the request's own scheme and host.</summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>
/// A resolved prediction as a schema.org ClaimReview, the markup fact-checkers publish. The rating
/// scale: 1 (worst) = refuted, the forecast did not come true; 2 (best) = confirmed, it came true.
/// A void prediction (its condition failed, nothing to judge) carries no ratingValue, only its
/// alternateName "void".
/// </summary>
public static class ClaimReview
{
    public const string MediaType = "application/ld+json";
    public const int Worst = 1;
    public const int Best = 2;

    public static JsonObject Of(Prediction prediction, string pageUrl)
    {
        var resolution = prediction.Resolution ?? throw new ArgumentException("Only a resolved prediction is reviewed.", nameof(prediction));
        var rating = new JsonObject
        {
            ["@type"] = "Rating",
            ["alternateName"] = resolution.Outcome switch { Outcome.Confirmed => "confirmed", Outcome.Refuted => "refuted", _ => "void" },
            ["name"] = resolution.Outcome switch
            {
                Outcome.Confirmed => "Confirmed: the forecast came true",
                Outcome.Refuted => "Refuted: the forecast did not come true",
                _ => "Void: the forecast's condition failed, nothing to judge",
            },
            ["worstRating"] = Worst,
            ["bestRating"] = Best,
        };
        if (resolution.Outcome != Outcome.Void)
        {
            rating["ratingValue"] = resolution.Outcome == Outcome.Confirmed ? Best : Worst;
        }
        var author = string.IsNullOrWhiteSpace(prediction.Source.Author) ? null : new JsonObject { ["@type"] = "Person", ["name"] = prediction.Source.Author };
        var appearance = new JsonObject { ["@type"] = "CreativeWork", ["name"] = prediction.Source.Title, ["datePublished"] = Time(prediction.MadeAt) };
        if (author is not null)
        {
            appearance["author"] = author.DeepClone();
        }
        if (!string.IsNullOrWhiteSpace(prediction.Source.Quote))
        {
            appearance["text"] = prediction.Source.Quote;
        }
        var claim = new JsonObject
        {
            ["@type"] = "Claim",
            ["datePublished"] = Time(prediction.MadeAt),
            ["appearance"] = appearance,
        };
        if (author is not null)
        {
            claim["author"] = author;
        }
        return new JsonObject
        {
            ["@context"] = "https://schema.org",
            ["@type"] = "ClaimReview",
            ["url"] = pageUrl,
            ["claimReviewed"] = prediction.Claim,
            ["name"] = prediction.Title,
            ["itemReviewed"] = claim,
            ["author"] = new JsonObject { ["@type"] = "Organization", ["name"] = "PolicyTracker" },
            ["datePublished"] = Time(resolution.ResolvedAt),
            ["reviewBody"] = resolution.Rationale,
            ["reviewRating"] = rating,
        };
    }

    private static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static RouteGroupBuilder MapClaimReview(this RouteGroupBuilder predictions)
    {
        predictions.MapGet("/{id}/claim-review", async Task<Results<JsonHttpResult<JsonObject>, ValidationProblem, ProblemHttpResult>> (string id, HttpContext http, IOptions<ClaimReviewOptions> options, IQuerySession session, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            var prediction = await session.LoadAsync<Prediction>(id, ct);
            if (prediction is null)
            {
                return NotFound(id);
            }
            if (prediction.Resolution is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not resolved yet",
                    detail: $"Prediction '{id}' is still open; a ClaimReview exists once it is resolved.");
            }
            // The dashboard page is the review's public address; behind a proxy, configure the public base URL.
            var baseUrl = options.Value.PublicBaseUrl is { Length: > 0 } configured
                ? configured.TrimEnd('/')
                : $"{http.Request.Scheme}://{http.Request.Host}";
            return TypedResults.Json(Of(prediction, $"{baseUrl}/predictions/{Uri.EscapeDataString(id)}"), contentType: MediaType);
        })
            .WithSummary("A resolved prediction as schema.org ClaimReview")
            .WithDescription("JSON-LD (application/ld+json): claimReviewed is the claim; itemReviewed a Claim with the source's author, datePublished = madeAt and the source as appearance; datePublished is the resolution time; reviewBody the rationale; reviewRating: alternateName confirmed|refuted|void on a scale worstRating 1 (refuted) to bestRating 2 (confirmed), no ratingValue for void. 404 while open.")
            .Produces<JsonObject>(StatusCodes.Status200OK, MediaType);
        return predictions;
    }
}
