using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Tracker.Predictions;

public record Resolution(Outcome Outcome, string Rationale, DateTimeOffset ResolvedAt, string ResolvedBy);

/// <summary>
/// A prediction as its stream stands: immutable, built by Create/Apply. Developments themselves live
/// in <see cref="DevelopmentRecord"/> documents so the state stays small on a 100,000-event stream.
/// </summary>
public sealed record Prediction(
    string Id,
    string Title,
    string Claim,
    string ResolutionCriteria,
    DateTimeOffset Horizon,
    double Prior,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> SearchTerms,
    PredictionSource Source,
    double Probability,
    PredictionStatus Status,
    int DevelopmentCount,
    Resolution? Resolution,
    bool HorizonHasPassed)
{
    /// <summary>The stream version, set by Marten on the snapshot and by the appender on checkpoints.</summary>
    public long Version { get; set; }

    /// <summary>When the system last recorded a change (the snapshot's last-modified time).</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// When the forecast was made in the world: the registration's effective time. Developments that
    /// occurred before it were known to the forecaster (hindsight) and do not count against the forecast.
    /// </summary>
    public DateTimeOffset MadeAt { get; init; }

    public static Prediction Create(PredictionRegistered e) => new(
        e.PredictionId, e.Title, e.Claim, e.ResolutionCriteria, e.Horizon, e.Prior, e.Tags, e.SearchTerms, e.Source,
        e.Prior, e.Status, 0, null, false) { MadeAt = e.EffectiveAt };

    public Prediction Apply(PredictionReworded e) =>
        this with { Title = e.Title, Claim = e.Claim, ResolutionCriteria = e.ResolutionCriteria };

    public Prediction Apply(DevelopmentLogged e) =>
        this with { Probability = e.Probability, DevelopmentCount = DevelopmentCount + 1 };

    public Prediction Apply(DevelopmentRetracted e) =>
        this with { Probability = e.Probability, DevelopmentCount = DevelopmentCount - 1 };

    public Prediction Apply(ProbabilityRevised e) => this with { Probability = e.Probability };

    public Prediction Apply(StatusChanged e) => this with { Status = e.To };

    public Prediction Apply(PredictionResolved e) =>
        this with { Resolution = new Resolution(e.Outcome, e.Rationale, e.EffectiveAt, e.RecordedBy) };

    public Prediction Apply(HorizonPassed e) => this with { HorizonHasPassed = true };

    public Prediction Apply(NoteAdded e) => this;

    /// <summary>Folds any prediction event; used by pure code (decisions, as-of, timelines).</summary>
    public static Prediction? Fold(Prediction? state, object @event) => @event switch
    {
        PredictionRegistered e => Create(e),
        PredictionReworded e => state!.Apply(e),
        DevelopmentLogged e => state!.Apply(e),
        DevelopmentRetracted e => state!.Apply(e),
        ProbabilityRevised e => state!.Apply(e),
        StatusChanged e => state!.Apply(e),
        PredictionResolved e => state!.Apply(e),
        HorizonPassed e => state!.Apply(e),
        NoteAdded e => state!.Apply(e),
        _ => state,
    };

    public bool IsResolved => Resolution is not null;
}
