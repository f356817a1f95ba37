using Microsoft.AspNetCore.Http.HttpResults;
using Marten;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.AddingNote;

public sealed record AddNoteRequest(string? Text);

/// <summary>An analyst's remark on the record (an addition to api.md): it moves neither probability nor status.</summary>
public static class Adding
{
    public static IReadOnlyList<object> Decide(Prediction state, string text, string recordedBy, DateTimeOffset now) =>
        [new NoteAdded(state.Id, text, recordedBy, now)];

    public static RouteGroupBuilder MapAddNote(this RouteGroupBuilder predictions)
    {
        predictions.MapPost("/{id}/notes", async Task<Results<Created<VersionView>, ValidationProblem, ProblemHttpResult>> (string id, AddNoteRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Require(errors, "id", PredictionId.IsValid(id), "must be a lower-case slug such as sanctions-relief");
            Require(errors, "text", !string.IsNullOrWhiteSpace(request.Text) && request.Text.Length <= 4000, "is required (at most 4000 characters)");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            var result = await PredictionWrites.AppendAsync(store, id, http.User.PrincipalName(), IfMatch(http.Request, out _), (state, _) =>
                Task.FromResult(new Decision(Decide(state, request.Text!.Trim(), http.User.PrincipalName(), clock.GetUtcNow()))), ct);
            if (result.Refusal is not null)
            {
                return Problem(result.Refusal);
            }
            http.Response.Headers.ETag = ETag(result.State!.Version);
            return TypedResults.Created($"/api/predictions/{id}/timeline", new VersionView(result.State.Version));
        })
            .WithSummary("Add a note")
            .WithDescription("An analyst's remark on the record: it moves neither probability nor status. Honours If-Match; answers the new version as ETag.")
            .RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
