using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.LoggingDevelopment;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.ReadingPredictions;
using static PolicyTracker.Tracker.Tests.Decisions.TestPredictions;

namespace PolicyTracker.Tracker.Tests.Decisions;

public class EffectiveReplayCacheTests
{
    private readonly List<RecordedEvent> _recorded = [new(1, Made, "a", Registered(0.5))];
    private Prediction _state = Given(0.5);

    private long Version => _recorded[^1].Version;

    private void Log(Stance stance, Strength strength, DateTimeOffset at)
    {
        var events = Logging.Decide(_state, Development(stance, strength, at));
        _state = Apply(_state, events);
        foreach (var e in events)
        {
            _recorded.Add(new(Version + 1, Made.AddYears(5), "a", (IPredictionEvent)e));
        }
    }

    private Task<IReadOnlyList<RecordedEvent>> All() => Task.FromResult<IReadOnlyList<RecordedEvent>>([.. _recorded]);

    private Task<IReadOnlyList<RecordedEvent>> After(long version) =>
        Task.FromResult<IReadOnlyList<RecordedEvent>>([.. _recorded.Where(e => e.Version > version)]);

    private static IEnumerable<(long, double, PredictionStatus, int)> Shape(IEnumerable<TimelineEntry> entries) =>
        entries.Select(e => (e.Event.Version, e.State.Probability, e.State.Status, e.State.DevelopmentCount));

    [Fact]
    public async Task Given_a_cached_effective_replay_When_events_are_added_in_the_middle_and_at_the_end_of_world_order_Then_it_extends_to_exactly_the_full_replay()
    {
        for (var i = 0; i < 20; i++)
        {
            Log(i % 3 == 0 ? Stance.Undermines : Stance.Supports, Strength.Moderate, Made.AddDays(10 * i));
        }
        var cache = new EffectiveReplayCache();
        await cache.GetAsync("p", Version, All, After);

        Log(Stance.Supports, Strength.Decisive, Made.AddDays(55));
        Log(Stance.Undermines, Strength.Decisive, Made.AddDays(500));
        Log(Stance.Supports, Strength.Weak, Made.AddDays(-30));
        var extended = await cache.GetAsync("p", Version, () => throw new InvalidOperationException("rebuilt instead of extended"), After);

        extended.Version.ShouldBe(Version);
        Shape(extended.Entries).ShouldBe(Shape(Replays.ByEffective(_recorded)));
        extended.CountUpTo(Made.AddDays(60)).ShouldBe(Replays.ByEffective(_recorded, Made.AddDays(60)).Count);
    }
}
