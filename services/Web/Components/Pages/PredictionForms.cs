namespace PolicyTracker.Web.Components.Pages;

// The analyst's forms on the prediction page, bound from the posted form by name.

public sealed class LogDevelopmentForm
{
    public string? Summary { get; set; }
    public DateTime? OccurredAt { get; set; }
    public string Stance { get; set; } = "supports";
    public string Strength { get; set; } = "moderate";
    public string? Rationale { get; set; }
    public string? SourceUrl { get; set; }
}

public sealed class ReviseProbabilityForm
{
    public double? Probability { get; set; }
    public string? Rationale { get; set; }
}

public sealed class RewordForm
{
    public string? Title { get; set; }
    public string? Claim { get; set; }
    public string? ResolutionCriteria { get; set; }
    /// <summary>The version the analyst saw, sent as If-Match: a change by someone else since then is a 412.</summary>
    public long Version { get; set; }
}

public sealed class ResolveForm
{
    public string Outcome { get; set; } = "confirmed";
    public string? Rationale { get; set; }
    public DateTime? ResolvedAt { get; set; }
}

public sealed class NoteForm
{
    public string? Text { get; set; }
}

public sealed class RetractForm
{
    public Guid DevelopmentId { get; set; }
    public string? Reason { get; set; }
}
