using Marten;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
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
        predictions.MapPost("/{id}/notes", async (string id, AddNoteRequest request, HttpContext http, IDocumentStore store, TimeProvider clock, CancellationToken ct) =>
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
            return Results.Created($"/api/predictions/{id}/timeline", new { version = result.State.Version });
        }).RequireAuthorization(Policies.Analyst);
        return predictions;
    }
}
