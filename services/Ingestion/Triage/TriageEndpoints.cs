using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.ReadingStatements;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Triage;

public static class TriageEndpoints
{
    public static IEndpointRouteBuilder MapTriageEndpoints(this IEndpointRouteBuilder app)
    {
        // Statements with suggestions by default; ?suggested=false lists the ones the matcher found nothing for,
        // so every unlinked statement is somewhere an analyst looks.
        app.MapGet("/api/triage", async Task<Results<Ok<List<StatementView>>, ValidationProblem>> (int? limit, string? suggested, IQuerySession session, CancellationToken cancellationToken) =>
            {
                if (!TriageDecisions.TryParseSuggested(suggested, out var withSuggestions))
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["suggested"] = ["must be true or false"] });
                }
                var query = session.Query<Statement>().Where(s => s.State == StatementState.Triage);
                query = withSuggestions ? query.Where(s => s.Suggestions.Any()) : query.Where(s => !s.Suggestions.Any());
                var awaiting = await query
                    .OrderByDescending(s => s.PublishedAt)
                    .Take(Math.Clamp(limit ?? 100, 1, 1000))
                    .ToListAsync(cancellationToken);
                return TypedResults.Ok(awaiting.Select(StatementView.Of).ToList());
            })
            .RequireAuthorization(Policies.Analyst)
            .WithSummary("Statements awaiting triage")
            .WithDescription("Newest first, each with the predictions matching suggested; limit 1 to 1000 (100).");

        app.MapPost("/api/triage/{id:guid}", Decide).RequireAuthorization(Policies.Analyst)
            .WithSummary("Decide on a statement in triage")
            .WithDescription("Link it to predictions (forwarded to the Tracker as developments) or dismiss it with a reason; when two analysts decide at once the second gets 409.");
        return app;
    }

    private static async Task<Results<Accepted<StatementView>, ValidationProblem, ProblemHttpResult>> Decide(
        Guid id, TriageRequest request, ClaimsPrincipal user, IDocumentSession session, KnownPredictions known, TimeProvider clock, SentenceEmbeddings embeddings,
        CancellationToken cancellationToken)
    {
        var (decision, errors) = TriageDecisions.Validate(request);
        if (decision is null)
        {
            return TypedResults.ValidationProblem(errors);
        }
        if (decision.Links.Count > 0)
        {
            var unknown = await known.UnknownAmongAsync(decision.Links.Select(l => l.PredictionId), cancellationToken);
            if (unknown.Count > 0)
            {
                return TypedResults.ValidationProblem(StatementIntake.UnknownLinkErrors(decision.Links, unknown));
            }
        }

        var statement = await session.LoadAsync<Statement>(id, cancellationToken);
        if (statement is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Statement not found");
        }
        var outcome = TriageDecisions.Apply(statement, decision, user.PrincipalName(), clock.GetUtcNow());
        if (outcome.Conflict is { } conflict)
        {
            return TypedResults.Problem(conflict, statusCode: StatusCodes.Status409Conflict, title: "Statement already decided");
        }
        session.Store(statement);
        if (decision.DismissReason is not null && statement.Suggestions.Count > 0)
        {
            // Relevance feedback, in the same transaction as the decision: what was suggested and dismissed pushes away.
            var vector = embeddings.Encode(statement.Text);
            session.Store([.. TriageDecisions.DismissedExamples(statement, vector, clock.GetUtcNow())]);
        }
        if (outcome.Linked.Count > 0)
        {
            session.Events.StartStream(Guid.CreateVersion7(clock.GetUtcNow()), [.. outcome.Linked.Cast<object>()]);
        }
        session.LastModifiedBy = user.PrincipalName();
        TraceContext.CaptureInto(session);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (JasperFx.ConcurrencyException)
        {
            return TypedResults.Problem("Another decision on this statement was saved first; reload it and decide again.",
                statusCode: StatusCodes.Status409Conflict, title: "Statement changed meanwhile");
        }
        return TypedResults.Accepted($"/api/statements/{statement.Id}", StatementView.Of(statement));
    }
}
