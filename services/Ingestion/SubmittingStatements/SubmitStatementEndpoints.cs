using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.ServiceDefaults;
using PolicyTracker.ServiceDefaults.Authentication;

namespace PolicyTracker.Ingestion.SubmittingStatements;

public static class SubmitStatementEndpoints
{
    public const int MaxBatchItems = 5_000;

    public static IEndpointRouteBuilder MapSubmitStatementEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/statements", SubmitOne).RequireAuthorization(Policies.Analyst)
            .WithSummary("Submit a statement")
            .WithDescription("Stores the statement once (a duplicate by source URL, or by text and day, answers 200 with the original); links are forwarded to the Tracker as developments, an unlinked statement is matched and goes to triage when a prediction fits.");
        app.MapPost("/api/statements/batch", SubmitBatch)
            .RequireAuthorization(Policies.Analyst)
            .WithMetadata(new RequestSizeLimitAttribute(RequestLimits.BatchBodyBytes))
            .WithSummary("Submit statements in bulk")
            .WithDescription("A JSON array or NDJSON of up to 5,000 statements (16 MiB): each is accepted, a duplicate, or rejected with its index (and line) and errors; a malformed NDJSON line rejects that line only.");
        return app;
    }

    private static async Task<Results<Accepted<SubmitStatementResponse>, Ok<SubmitStatementResponse>, ValidationProblem>> SubmitOne(
        StatementRequest request, ClaimsPrincipal user, IDocumentStore store, KnownPredictions known, TimeProvider clock, MatchingSignal matching, CancellationToken cancellationToken)
    {
        var (input, errors) = StatementInputs.Validate(request);
        if (input is null)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var unknown = await known.UnknownAmongAsync(input.Links.Select(l => l.PredictionId), cancellationToken);
        if (unknown.Count > 0)
        {
            return TypedResults.ValidationProblem(StatementIntake.UnknownLinkErrors(input.Links, unknown));
        }
        var result = (await StatementIntake.IngestAsync(store, [input], user.PrincipalName(), clock.GetUtcNow(), matching, cancellationToken))[0];
        return result.Duplicate
            ? TypedResults.Ok(new SubmitStatementResponse(result.Id, "duplicate"))
            : TypedResults.Accepted($"/api/statements/{result.Id}", new SubmitStatementResponse(result.Id, "accepted"));
    }

    private static async Task<Results<Accepted<BatchResponse>, ProblemHttpResult>> SubmitBatch(
        HttpRequest request, ClaimsPrincipal user, IDocumentStore store, KnownPredictions known, TimeProvider clock, MatchingSignal matching, IOptions<JsonOptions> json,
        CancellationToken cancellationToken)
    {
        var parsed = await BatchReader.ReadAsync(request, MaxBatchItems, cancellationToken);
        if (parsed.Problem is not null)
        {
            return parsed.Problem;
        }

        var rejected = new List<RejectedItem>();
        var candidates = new List<(int Index, int? Line, StatementInput Input)>();
        foreach (var item in parsed.Items)
        {
            if (item.Json is not { } element)
            {
                rejected.Add(new RejectedItem(item.Index, item.Line, item.Errors!));
                continue;
            }
            var (input, errors) = StatementInputs.Parse(element, json.Value.SerializerOptions);
            if (input is null)
            {
                rejected.Add(new RejectedItem(item.Index, item.Line, errors));
            }
            else
            {
                candidates.Add((item.Index, item.Line, input));
            }
        }

        var unknown = await known.UnknownAmongAsync(candidates.SelectMany(c => c.Input.Links.Select(l => l.PredictionId)), cancellationToken);
        if (unknown.Count > 0)
        {
            foreach (var candidate in candidates.Where(c => c.Input.Links.Any(l => unknown.Contains(l.PredictionId))).ToList())
            {
                rejected.Add(new RejectedItem(candidate.Index, candidate.Line, StatementIntake.UnknownLinkErrors(candidate.Input.Links, unknown)));
                candidates.Remove(candidate);
            }
        }

        var results = await StatementIntake.IngestAsync(store, [.. candidates.Select(c => c.Input)], user.PrincipalName(), clock.GetUtcNow(), matching, cancellationToken);
        return TypedResults.Accepted((string?)null, new BatchResponse(
            Accepted: results.Count(r => !r.Duplicate),
            Duplicates: results.Count(r => r.Duplicate),
            Rejected: [.. rejected.OrderBy(r => r.Index)],
            Statements: [.. candidates.Zip(results, (c, r) => new BatchItemResult(c.Index, r.Id, r.Duplicate ? "duplicate" : "accepted"))]));
    }

    public sealed record SubmitStatementResponse(Guid Id, string Status);
    public sealed record RejectedItem(int Index, int? Line, Dictionary<string, string[]> Errors);
    public sealed record BatchItemResult(int Index, Guid Id, string Status);
    public sealed record BatchResponse(int Accepted, int Duplicates, IReadOnlyList<RejectedItem> Rejected, IReadOnlyList<BatchItemResult> Statements);
}
