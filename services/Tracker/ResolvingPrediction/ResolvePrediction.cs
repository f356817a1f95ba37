using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.ResolvingPrediction;

public sealed record ResolvePredictionRequest(string? Outcome, string? Rationale, string? ResolvedAt);

public static class Resolving
{
    /// <summary>Terminal statuses come only from here; null when the prediction is already resolved.</summary>
    public static IReadOnlyList<object>? Decide(Prediction state, Outcome outcome, string rationale, string recordedBy, DateTimeOffset resolvedAt)
    {
        if (state.IsResolved)
        {
            return null;
        }
        var status = ProbabilityRules.StatusOf(outcome);
        return
        [
            new PredictionResolved(state.Id, outcome, rationale, state.Probability, recordedBy, resolvedAt),
            new StatusChanged(state.Id, state.Status, status, state.Probability, state.Probability, "resolved", null, rationale, recordedBy, resolvedAt),
        ];
    }

    public static RouteGroupBuilder MapResolvePrediction(this RouteGroupBuilder predictions)
    {
        predictions.MapPost("/{id}/resolution", async Task<Results<Ok<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> (string id, ResolvePredictionRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Require(errors, "id", PredictionId.IsValid(id), "must be a lower-case slug such as sanctions-relief");
            Require(errors, "outcome", TryParseEnum<Outcome>(request.Outcome, out var outcome), OneOf<Outcome>());
            Require(errors, "rationale", !string.IsNullOrWhiteSpace(request.Rationale) && request.Rationale.Length <= 4000, "is required (at most 4000 characters)");
            var resolvedAt = clock.GetUtcNow();
            Require(errors, "resolvedAt", request.ResolvedAt is null || (TryParseTime(request.ResolvedAt, out resolvedAt) && resolvedAt >= EarliestHorizon && resolvedAt < LatestHorizon), "must be a time between 2000 and 2100");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            var result = await PredictionWrites.AppendAsync(store, id, http.User.PrincipalName(), IfMatch(http.Request, out _), (state, _) =>
                Task.FromResult(Decide(state, outcome, request.Rationale!.Trim(), http.User.PrincipalName(), resolvedAt) is { } events
                    ? new Decision(events)
                    : Decision.Reject(Refusal.Conflict("Already resolved", $"'{id}' was resolved {state.Resolution!.Outcome.ToString().ToLowerInvariant()}."))), ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            http.Response.Headers.ETag = ETag(result.State!.Version);
            return TypedResults.Ok(PredictionDetailsView.Of(result.State));
        })
            .WithSummary("Resolve a prediction")
            .WithDescription("Confirmed, refuted or void: the terminal status. 409 when the prediction is already resolved.")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
