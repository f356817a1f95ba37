using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.RewordingPrediction;

public sealed record RewordPredictionRequest(string? Title, string? Claim, string? ResolutionCriteria);

public static class Rewording
{
    /// <summary>Fields left out keep their wording; a reword that changes nothing appends nothing.</summary>
    public static IReadOnlyList<object> Decide(Prediction state, string? title, string? claim, string? resolutionCriteria, string recordedBy, DateTimeOffset now)
    {
        var reworded = new PredictionReworded(state.Id, title ?? state.Title, claim ?? state.Claim,
            resolutionCriteria ?? state.ResolutionCriteria, recordedBy, now);
        return reworded.Title == state.Title && reworded.Claim == state.Claim && reworded.ResolutionCriteria == state.ResolutionCriteria
            ? []
            : [reworded];
    }

    public static RouteGroupBuilder MapRewordPrediction(this RouteGroupBuilder predictions)
    {
        predictions.MapPut("/{id}/wording", async Task<Results<Ok<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> (string id, RewordPredictionRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            var errors = new Dictionary<string, string[]>();
            Require(errors, "title", request.Title is null || (request.Title.Trim().Length > 0 && request.Title.Length <= 300), "must not be empty (at most 300 characters)");
            Require(errors, "claim", request.Claim is null || (request.Claim.Trim().Length > 0 && request.Claim.Length <= 4000), "must not be empty (at most 4000 characters)");
            Require(errors, "resolutionCriteria", request.ResolutionCriteria is null || (request.ResolutionCriteria.Trim().Length > 0 && request.ResolutionCriteria.Length <= 4000), "must not be empty (at most 4000 characters)");
            Require(errors, "body", request.Title is not null || request.Claim is not null || request.ResolutionCriteria is not null, "give at least one of title, claim, resolutionCriteria");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            var expected = IfMatch(http.Request, out var present);
            if (!present)
            {
                return IfMatchRequired();
            }
            var result = await PredictionWrites.AppendAsync(store, id, http.User.PrincipalName(), expected, (state, _) =>
                Task.FromResult(new Decision(Decide(state, request.Title?.Trim(), request.Claim?.Trim(), request.ResolutionCriteria?.Trim(), http.User.PrincipalName(), clock.GetUtcNow()))), ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            http.Response.Headers.ETag = ETag(result.State!.Version);
            return TypedResults.Ok(PredictionDetailsView.Of(result.State));
        })
            .WithSummary("Reword a prediction")
            .WithDescription("Changes title, claim or resolution criteria; fields left out keep their wording. If-Match is required (428 without, 412 when stale).")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
