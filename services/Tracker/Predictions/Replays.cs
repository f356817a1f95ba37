using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>An event as the stream holds it: its version, when it was recorded, and its data.</summary>
public sealed record RecordedEvent(long Version, DateTimeOffset RecordedAt, string? RecordedBy, IPredictionEvent Data);

public sealed record TimelineEntry(RecordedEvent Event, Prediction State);

/// <summary>The two views of a stream: in the order the system recorded it, and as the world unfolded.</summary>
public static class Replays
{
    /// <summary>Record order: the state after each event is exactly what the system held then.</summary>
    public static IReadOnlyList<TimelineEntry> ByRecorded(IEnumerable<RecordedEvent> events, Prediction? start = null)
    {
        var entries = new List<TimelineEntry>();
        var state = start;
        foreach (var e in events.OrderBy(e => e.Version))
        {
            state = Prediction.Fold(state, e.Data)!;
            state = state with { };
            state.Version = e.Version;
            state.UpdatedAt = e.RecordedAt;
            entries.Add(new(e, state));
        }
        return entries;
    }

    /// <summary>
    /// Effective order, from everything known now: registration first (it is the starting point),
    /// then the rest by when they took effect in the world. Retracted developments count for nothing,
    /// probabilities are re-derived by the rules in this order, and bands are recomputed with hysteresis.
    /// </summary>
    public static IReadOnlyList<TimelineEntry> ByEffective(IReadOnlyList<RecordedEvent> events, DateTimeOffset? upTo = null)
    {
        var retracted = events.Select(e => e.Data).OfType<DevelopmentRetracted>().Select(r => r.DevelopmentId).ToHashSet();
        var registration = events.FirstOrDefault(e => e.Data is PredictionRegistered);
        if (registration is null || (upTo is { } limit && registration.Data.EffectiveAt > limit))
        {
            return [];
        }
        var ordered = events.Where(e => e != registration && (upTo is null || e.Data.EffectiveAt <= upTo))
            .OrderBy(e => e.Data.EffectiveAt).ThenBy(e => e.Version);
        var state = Prediction.Create((PredictionRegistered)registration.Data);
        var entries = new List<TimelineEntry> { new(registration, Stamp(state, registration)) };
        entries.AddRange(ContinueByEffective(state, ordered, retracted));
        return entries;
    }

    /// <summary>
    /// The effective-order fold from a state onwards, over events already in effective order: what
    /// <see cref="ByEffective"/> does after the registration, and what a cached replay re-runs from the
    /// first place a new event falls into.
    /// </summary>
    public static IEnumerable<TimelineEntry> ContinueByEffective(Prediction state, IEnumerable<RecordedEvent> ordered, IReadOnlySet<Guid> retracted)
    {
        foreach (var e in ordered)
        {
            state = e.Data switch
            {
                PredictionReworded r => state.Apply(r),
                DevelopmentLogged d when !retracted.Contains(d.DevelopmentId) => Move(state, ProbabilityRules.Shift(state.Probability, d.Stance, d.Strength)) with { DevelopmentCount = state.DevelopmentCount + 1 },
                ProbabilityRevised r => Move(state, r.Probability),
                PredictionResolved r => state.Apply(r) with { Status = ProbabilityRules.StatusOf(r.Outcome) },
                HorizonPassed h when !state.IsResolved => state.Apply(h) with { Status = PredictionStatus.Overdue },
                _ => state,
            };
            yield return new(e, Stamp(state, e));
        }
    }

    private static Prediction Move(Prediction state, double probability) =>
        state with { Probability = probability, Status = ProbabilityRules.NextStatus(state.Status, probability) };

    private static Prediction Stamp(Prediction state, RecordedEvent e)
    {
        var copy = state with { };
        copy.Version = e.Version;
        copy.UpdatedAt = e.RecordedAt;
        return copy;
    }

    /// <summary>A development that occurred before the forecast was made: known to the forecaster, so not evidence against it.</summary>
    public static bool IsHindsight(IPredictionEvent e, DateTimeOffset madeAt) => e is DevelopmentLogged d && d.EffectiveAt < madeAt;

    public static string TypeName(IPredictionEvent e) => e switch
    {
        PredictionRegistered => "registered",
        PredictionReworded => "reworded",
        DevelopmentLogged => "development-logged",
        DevelopmentRetracted => "development-retracted",
        ProbabilityRevised => "probability-revised",
        StatusChanged => "status-changed",
        PredictionResolved => "resolved",
        HorizonPassed => "horizon-passed",
        NoteAdded => "note-added",
        _ => "unknown",
    };

    public static string Summary(IPredictionEvent e) => e switch
    {
        PredictionRegistered r => $"Registered: {r.Title}",
        PredictionReworded r => $"Reworded: {r.Title}",
        DevelopmentLogged d => d.Summary,
        DevelopmentRetracted r => $"Retracted development {r.DevelopmentId}: {r.Reason}",
        ProbabilityRevised r => $"Probability revised to {r.Probability:0.###}: {r.Rationale}",
        StatusChanged s => $"Status {Kebab(s.From)} -> {Kebab(s.To)}",
        PredictionResolved r => $"Resolved {Kebab(r.Outcome)}: {r.Rationale}",
        HorizonPassed h => $"Horizon {h.Horizon:yyyy-MM-dd} passed unresolved",
        NoteAdded n => n.Text,
        _ => "",
    };

    private static string Kebab<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();
}
