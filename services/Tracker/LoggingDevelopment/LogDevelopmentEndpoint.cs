using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.LoggingDevelopment;

public sealed record LogDevelopmentRequest(
    string? Summary, string? OccurredAt, string? Stance, string? Strength, Guid? StatementId,
    SourceReference? Source, string? Rationale);

public static class LogDevelopmentEndpoint
{
    public static RouteGroupBuilder MapLogDevelopment(this RouteGroupBuilder predictions)
    {
        predictions.MapPost("/{id}/developments", async Task<Results<Created<DevelopmentWriteView>, ValidationProblem, ProblemHttpResult>> (string id, LogDevelopmentRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            var errors = new Dictionary<string, string[]>();
            Require(errors, "summary", !string.IsNullOrWhiteSpace(request.Summary) && request.Summary.Length <= 4000, "is required (at most 4000 characters)");
            Require(errors, "occurredAt", TryParseTime(request.OccurredAt, out var occurredAt) && occurredAt >= EarliestHorizon && occurredAt < LatestHorizon, "must be a time (ISO 8601) between 2000 and 2100");
            Require(errors, "stance", TryParseEnum<Stance>(request.Stance, out var stance), OneOf<Stance>());
            Require(errors, "strength", TryParseEnum<Strength>(request.Strength, out var strength), OneOf<Strength>());
            Require(errors, "rationale", request.Rationale is null || request.Rationale.Length <= MaxRationaleLength, $"must be at most {MaxRationaleLength} characters");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            var expected = IfMatch(http.Request, out _);
            var development = new DevelopmentToLog(Guid.CreateVersion7(clock.GetUtcNow()), request.StatementId, request.Summary!.Trim(), occurredAt,
                stance, strength, request.Rationale, request.Source, http.User.PrincipalName());
            var result = await PredictionWrites.AppendAsync(store, id, http.User.PrincipalName(), expected, (state, _) =>
                Task.FromResult(new Decision(Logging.Decide(state, development))), ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            var state = result.State!;
            http.Response.Headers.ETag = ETag(state.Version);
            return TypedResults.Created($"/api/predictions/{id}/developments/{development.DevelopmentId}",
                new DevelopmentWriteView(development.DevelopmentId, state.Version, state.Probability, state.Status));
        })
            .WithSummary("Log a development")
            .WithDescription("Shifts the probability in log-odds by stance and strength (weights 0.2, 0.5, 1.0, 2.5); a band crossed by the hysteresis margin changes the status in the same write. Honours If-Match.")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
