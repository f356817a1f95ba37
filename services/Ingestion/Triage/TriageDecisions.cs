using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Statements;
using static PolicyTracker.ServiceDefaults.InputParsing;

namespace PolicyTracker.Ingestion.Triage;

/// <summary>An analyst's decision as <c>POST /api/triage/{id}</c> carries it: links, or dismiss with a reason.</summary>
public sealed record TriageRequest(List<LinkRequest?>? Links, bool? Dismiss, string? Reason);

public sealed record TriageDecision(IReadOnlyList<LinkInput> Links, string? DismissReason);

public sealed record TriageOutcome(IReadOnlyList<StatementLinked> Linked, string? Conflict);

/// <summary>An analyst's verdict on a statement: link it to predictions, or dismiss it with a reason.</summary>
public static class TriageDecisions
{
    public static (TriageDecision? Decision, Dictionary<string, string[]> Errors) Validate(TriageRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request is null)
        {
            errors["body"] = ["must be a JSON object"];
            return (null, errors);
        }
        var dismiss = request.Dismiss == true;
        var links = StatementInputs.ValidateLinks(request.Links, errors);
        var reason = request.Reason?.Trim();
        if (dismiss)
        {
            Require(errors, "dismiss", links.Count == 0, "cannot dismiss and link at once");
            Require(errors, "reason", !string.IsNullOrWhiteSpace(reason), "is required when dismissing");
            Require(errors, "reason", reason is not { Length: > StatementInputs.MaxShortField }, $"must be at most {StatementInputs.MaxShortField} characters");
        }
        else if (links.Count == 0 && !errors.Keys.Any(k => k.StartsWith("links")))
        {
            errors["links"] = ["give at least one link, or dismiss with a reason"];
        }
        return errors.Count > 0 ? (null, errors) : (new TriageDecision(dismiss ? [] : links, dismiss ? reason : null), errors);
    }

    /// <summary>
    /// Linking adds developments (a prediction already linked is not linked twice); dismissing is
    /// allowed only for a statement that nothing was forwarded from.
    /// </summary>
    public static TriageOutcome Apply(Statement statement, TriageDecision decision, string analyst, DateTimeOffset now)
    {
        if (decision.DismissReason is { } reason)
        {
            if (statement.State == StatementState.Linked)
            {
                return new TriageOutcome([], "A linked statement cannot be dismissed: its developments were already sent.");
            }
            statement.State = StatementState.Dismissed;
            statement.DismissReason = reason;
            statement.DismissedBy = analyst;
            return new TriageOutcome([], null);
        }
        var already = statement.Links.Select(l => l.PredictionId).ToHashSet();
        var fresh = decision.Links.Where(l => !already.Contains(l.PredictionId)).ToList();
        if (fresh.Count == 0)
        {
            return new TriageOutcome([], "Every prediction named is already linked to this statement.");
        }
        statement.DismissReason = null;
        statement.DismissedBy = null;
        return new TriageOutcome(Linking.Link(statement, fresh, analyst, now), null);
    }

    /// <summary>A dismissed statement becomes a negative example for every prediction that was suggested for it.</summary>
    public static IEnumerable<FeedbackExample> DismissedExamples(Statement statement, float[] vector, DateTimeOffset now) =>
        statement.Suggestions.Select(s => new FeedbackExample
        {
            Id = FeedbackExample.DismissedId(statement.Id, s.PredictionId),
            PredictionId = s.PredictionId,
            Sign = -1,
            Vector = vector,
            RecordedAt = now,
        });

    /// <summary>Absent means true: the triage list leads with statements that have suggestions.</summary>
    public static bool TryParseSuggested(string? value, out bool suggested)
    {
        suggested = true;
        return string.IsNullOrWhiteSpace(value) || bool.TryParse(value.Trim(), out suggested);
    }
}
