using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.RetractingDevelopment;

public sealed record RetractDevelopmentRequest(string? Reason);

public static class Retracting
{
    /// <summary>
    /// The probability after a retraction is the replay of the whole stream without the development
    /// (and without those retracted before), so later developments keep their effect.
    /// </summary>
    public static IReadOnlyList<object> Decide(Prediction state, IReadOnlyList<object> history, Guid developmentId, string reason, string recordedBy, DateTimeOffset now)
    {
        var retracted = history.OfType<DevelopmentRetracted>().Select(r => r.DevelopmentId).Append(developmentId).ToHashSet();
        var probability = ProbabilityRules.Replay(state.Prior, history, retracted);
        var status = ProbabilityRules.NextStatus(state.Status, probability);
        var retraction = new DevelopmentRetracted(state.Id, developmentId, reason, state.Probability, probability, recordedBy, now);
        return status == state.Status
            ? [retraction]
            : [retraction, new StatusChanged(state.Id, state.Status, status, state.Probability, probability, "development-retracted",
                developmentId, reason, recordedBy, now)];
    }

    public static RouteGroupBuilder MapRetractDevelopment(this RouteGroupBuilder predictions)
    {
        predictions.MapPost("/{id}/developments/{developmentId}/retraction", async Task<Results<Ok<DevelopmentWriteView>, ValidationProblem, ProblemHttpResult>> (string id, string developmentId, RetractDevelopmentRequest request,
            HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Require(errors, "id", PredictionId.IsValid(id), "must be a lower-case slug such as sanctions-relief");
            Require(errors, "developmentId", Guid.TryParse(developmentId, out var development), "must be a GUID");
            Require(errors, "reason", !string.IsNullOrWhiteSpace(request.Reason) && request.Reason.Length <= 4000, "is required (at most 4000 characters)");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            var result = await PredictionWrites.AppendAsync(store, id, http.User.PrincipalName(), IfMatch(http.Request, out _), async (state, session) =>
            {
                var record = await session.LoadAsync<DevelopmentRecord>(development, ct);
                if (record is null || record.PredictionId != id)
                {
                    return Decision.Reject(Refusal.NotFound("Unknown development", $"No development {development} on '{id}'."));
                }
                if (record.RetractedVersion is not null)
                {
                    return Decision.Reject(Refusal.Conflict("Already retracted", $"Development {development} was retracted at version {record.RetractedVersion}."));
                }
                var history = (await session.Events.FetchStreamAsync(id, token: ct)).Select(e => e.Data).ToList();
                var events = Decide(state, history, development, request.Reason!.Trim(), http.User.PrincipalName(), clock.GetUtcNow());
                return new Decision(events);
            }, ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            http.Response.Headers.ETag = ETag(result.State!.Version);
            return TypedResults.Ok(new DevelopmentWriteView(development, result.State.Version, result.State.Probability, result.State.Status));
        })
            .WithSummary("Retract a development")
            .WithDescription("The probability becomes the replay of the stream without the development, so later developments keep their effect. 404 for an unknown development, 409 when already retracted.")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
