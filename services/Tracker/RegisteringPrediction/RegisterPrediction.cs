using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.RegisteringPrediction;

public sealed record SourceRequest(string? Title, string? Author, string? Quote);

public sealed record RegisterPredictionRequest(
    string? Id, string? Title, string? Claim, string? ResolutionCriteria, string? Horizon, double? Prior,
    string[]? Tags, string[]? SearchTerms, SourceRequest? Source, string? MadeAt = null);

public static class Registering
{
    /// <summary>
    /// The initial status comes from the prior's band, without hysteresis. The registration takes effect
    /// when the forecast was made (<paramref name="madeAt"/>), which may be long before it is recorded.
    /// </summary>
    public static PredictionRegistered Decide(
        string id, string title, string claim, string resolutionCriteria, DateTimeOffset horizon, double prior,
        IReadOnlyList<string> tags, IReadOnlyList<string> searchTerms, PredictionSource source, string recordedBy, DateTimeOffset madeAt) =>
        new(id, title, claim, resolutionCriteria, horizon, prior, tags, searchTerms, source, ProbabilityRules.Band(prior), recordedBy, madeAt);

    public static RouteGroupBuilder MapRegisterPrediction(this RouteGroupBuilder predictions)
    {
        predictions.MapPost("/", async Task<Results<Created<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> (RegisterPredictionRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Require(errors, "id", PredictionId.IsValid(request.Id), "must be a lower-case slug such as sanctions-relief");
            Require(errors, "title", !string.IsNullOrWhiteSpace(request.Title) && request.Title.Length <= 300, "is required (at most 300 characters)");
            Require(errors, "claim", !string.IsNullOrWhiteSpace(request.Claim) && request.Claim.Length <= 4000, "is required (at most 4000 characters)");
            Require(errors, "resolutionCriteria", !string.IsNullOrWhiteSpace(request.ResolutionCriteria) && request.ResolutionCriteria.Length <= 4000, "is required (at most 4000 characters)");
            var horizonOk = TryParseTime(request.Horizon, out var horizon);
            Require(errors, "horizon", horizonOk && horizon >= EarliestHorizon && horizon < LatestHorizon, "must be a time between 2000 and 2100");
            Require(errors, "prior", IsProbability(request.Prior), "must be between 0.01 and 0.99");
            Require(errors, "tags", request.Tags is null || request.Tags.All(t => !string.IsNullOrWhiteSpace(t) && t.Length <= 60), "must be non-empty strings");
            Require(errors, "searchTerms", request.SearchTerms is null || request.SearchTerms.All(t => !string.IsNullOrWhiteSpace(t) && t.Length <= 200), "must be non-empty strings");
            var now = clock.GetUtcNow();
            var madeAt = now;
            Require(errors, "madeAt", request.MadeAt is null || (TryParseTime(request.MadeAt, out madeAt) && madeAt >= EarliestHorizon && madeAt <= now),
                "must be a time (ISO 8601) from 2000 up to now");
            Require(errors, "madeAt", request.MadeAt is null || !horizonOk || madeAt < horizon, "must be before the horizon");
            Require(errors, "source", request.Source is null || request.Source.Quote is null || request.Source.Quote.Length <= 1000, "quote must be at most 1000 characters");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }

            var registered = Decide(request.Id!, request.Title!.Trim(), request.Claim!.Trim(), request.ResolutionCriteria!.Trim(), horizon, request.Prior!.Value,
                request.Tags ?? [], request.SearchTerms ?? [],
                new PredictionSource(request.Source?.Title ?? "", request.Source?.Author ?? "", request.Source?.Quote ?? ""),
                http.User.PrincipalName(), madeAt);
            var result = await PredictionWrites.WriteAsync(store, registered.PredictionId, http.User.PrincipalName(), null, (state, _) =>
                Task.FromResult(state is null
                    ? Decision.Of(registered)
                    : Decision.Reject(Refusal.Conflict("Prediction exists", $"A prediction '{registered.PredictionId}' already exists."))), ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            var state = result.State!;
            http.Response.Headers.ETag = ETag(state.Version);
            return TypedResults.Created($"/api/predictions/{state.Id}", PredictionDetailsView.Of(state));
        })
            .WithSummary("Register a prediction")
            .WithDescription("Starts a prediction's stream under its slug; the initial status is the prior's band. Optional madeAt: when the forecast was made in the world (default now). 409 when the id exists.")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
