using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.ServiceDefaults.Authentication;
using static PolicyTracker.ServiceDefaults.InputParsing;

namespace PolicyTracker.Ingestion.ReadingStatements;

public sealed record StatementView(
    Guid Id, string Text, DateTimeOffset PublishedAt, string? Speaker, SourceReference? Source, StatementState State,
    IReadOnlyList<Suggestion> Suggestions, IReadOnlyList<StatementLinkView> Links, string? DismissReason,
    DateTimeOffset ReceivedAt, string ReceivedBy)
{
    public static StatementView Of(Statement s) => new(
        s.Id, s.Text, s.PublishedAt, s.Speaker, s.Source, s.State, s.Suggestions,
        [.. s.Links.Select(l => new StatementLinkView(l.PredictionId, l.DevelopmentId, l.Stance, l.Strength, l.Rationale, l.LinkedBy, l.LinkedAt))],
        s.DismissReason, s.ReceivedAt, s.ReceivedBy);
}

public sealed record StatementLinkView(
    string PredictionId, Guid DevelopmentId, Stance Stance, Strength Strength, string? Rationale, string LinkedBy, DateTimeOffset LinkedAt);

public static class StatementViews
{
    public static IEndpointRouteBuilder MapStatementViewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/statements/{id:guid}", async Task<Results<Ok<StatementView>, ProblemHttpResult>> (Guid id, IQuerySession session, CancellationToken cancellationToken) =>
                await session.LoadAsync<Statement>(id, cancellationToken) is { } statement
                    ? TypedResults.Ok(StatementView.Of(statement))
                    : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Statement not found"))
            .RequireAuthorization(Policies.Reader)
            .WithSummary("Get a statement")
            .WithDescription("One statement with its state (pending, triage, linked, dismissed), its links and its suggested predictions.");

        // Pending statements stay searchable: an analyst can find them later with PostgreSQL full-text search.
        app.MapGet("/api/statements", async Task<Results<Ok<List<StatementView>>, ValidationProblem>> (string? q, string? state, int? limit, IQuerySession session, CancellationToken cancellationToken) =>
            {
                var take = Math.Clamp(limit ?? 50, 1, 500);
                IQueryable<Statement> query = session.Query<Statement>();
                if (!string.IsNullOrWhiteSpace(state))
                {
                    if (!TryParseEnum<StatementState>(state, out var wanted))
                    {
                        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [OneOf<StatementState>()] });
                    }
                    query = query.Where(s => s.State == wanted);
                }
                if (!string.IsNullOrWhiteSpace(q))
                {
                    query = query.Where(s => s.WebStyleSearch(q, "english"));
                }
                var found = await query.OrderByDescending(s => s.PublishedAt).Take(take).ToListAsync(cancellationToken);
                return TypedResults.Ok(found.Select(StatementView.Of).ToList());
            })
            .RequireAuthorization(Policies.Reader)
            .WithSummary("Search statements")
            .WithDescription("Newest first: q is a PostgreSQL web-style full-text query, state narrows to pending, triage, linked or dismissed; limit 1 to 500 (50).");
        return app;
    }
}
