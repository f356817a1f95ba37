using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.RevisingProbability;

public sealed record ReviseProbabilityRequest(double? Probability, string? Rationale, string? EffectiveAt);

public static class Revising
{
    public static IReadOnlyList<object> Decide(Prediction state, double probability, string rationale, string recordedBy, DateTimeOffset effectiveAt)
    {
        var status = ProbabilityRules.NextStatus(state.Status, probability);
        var revised = new ProbabilityRevised(state.Id, state.Probability, probability, rationale, recordedBy, effectiveAt);
        return status == state.Status
            ? [revised]
            : [revised, new StatusChanged(state.Id, state.Status, status, state.Probability, probability, "probability-revised",
                null, rationale, recordedBy, effectiveAt)];
    }

    public static RouteGroupBuilder MapReviseProbability(this RouteGroupBuilder predictions)
    {
        predictions.MapPost("/{id}/probability", async Task<Results<Ok<ProbabilityView>, ValidationProblem, ProblemHttpResult>> (string id, ReviseProbabilityRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Require(errors, "id", PredictionId.IsValid(id), "must be a lower-case slug such as sanctions-relief");
            Require(errors, "probability", IsProbability(request.Probability), "must be between 0.01 and 0.99");
            Require(errors, "rationale", !string.IsNullOrWhiteSpace(request.Rationale) && request.Rationale.Length <= 4000, "is required (at most 4000 characters)");
            var effectiveAt = clock.GetUtcNow();
            Require(errors, "effectiveAt", request.EffectiveAt is null || (TryParseTime(request.EffectiveAt, out effectiveAt) && effectiveAt >= EarliestHorizon && effectiveAt < LatestHorizon), "must be a time between 2000 and 2100");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            var result = await PredictionWrites.AppendAsync(store, id, http.User.PrincipalName(), IfMatch(http.Request, out _), (state, _) =>
                Task.FromResult(new Decision(Decide(state, request.Probability!.Value, request.Rationale!.Trim(), http.User.PrincipalName(), effectiveAt))), ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            http.Response.Headers.ETag = ETag(result.State!.Version);
            return TypedResults.Ok(new ProbabilityView(result.State.Version, result.State.Probability, result.State.Status));
        })
            .WithSummary("Revise the probability")
            .WithDescription("An analyst's direct judgement: sets the probability (0.01 to 0.99) instead of shifting it, with a rationale; the status follows the bands with hysteresis.")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
