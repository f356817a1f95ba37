using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Auditing;
using PolicyTracker.Tracker.LoggingDevelopment;
using PolicyTracker.Tracker.PassingHorizon;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.ResolvingPrediction;
using PolicyTracker.Tracker.RetractingDevelopment;
using PolicyTracker.Tracker.RevisingProbability;
using PolicyTracker.Tracker.RewordingPrediction;
using static PolicyTracker.Tracker.Tests.Decisions.TestPredictions;

namespace PolicyTracker.Tracker.Tests.Decisions;

public class DecisionTests
{
    [Fact]
    public void Given_likely_at_075_When_a_decisive_undermining_development_is_logged_Then_it_moves_to_unlikely_in_the_same_decision()
    {
        var state = Given(0.75);
        state.Status.ShouldBe(PredictionStatus.Likely);

        var events = Logging.Decide(state, Development(Stance.Undermines, Strength.Decisive));

        events.Count.ShouldBe(2);
        var logged = events[0].ShouldBeOfType<DevelopmentLogged>();
        logged.PreviousProbability.ShouldBe(0.75);
        logged.Probability.ShouldBe(0.198, 0.0005);
        var changed = events[1].ShouldBeOfType<StatusChanged>();
        (changed.From, changed.To).ShouldBe((PredictionStatus.Likely, PredictionStatus.Unlikely));
        changed.CauseDevelopmentId.ShouldBe(logged.DevelopmentId);
        Apply(state, events).Status.ShouldBe(PredictionStatus.Unlikely);
    }

    [Fact]
    public void Given_likely_at_068_When_a_weak_undermining_development_Then_p_falls_below_065_but_within_the_margin_so_it_stays_likely()
    {
        var events = Logging.Decide(Given(0.68), Development(Stance.Undermines, Strength.Weak));
        events.ShouldHaveSingleItem().ShouldBeOfType<DevelopmentLogged>().Probability.ShouldBe(0.635, 0.001);
    }

    [Fact]
    public void Given_likely_at_066_When_a_weak_undermining_development_Then_p_crosses_the_margin_and_it_becomes_uncertain()
    {
        var events = Logging.Decide(Given(0.66), Development(Stance.Undermines, Strength.Weak));
        events[0].ShouldBeOfType<DevelopmentLogged>().Probability.ShouldBe(0.614, 0.001);
        events[1].ShouldBeOfType<StatusChanged>().To.ShouldBe(PredictionStatus.Uncertain);
    }

    [Fact]
    public void Given_an_overdue_prediction_When_a_development_is_logged_Then_p_moves_but_the_status_stays_overdue()
    {
        var state = Apply(Given(0.75), Passing.Decide(Given(0.75), new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        state.Status.ShouldBe(PredictionStatus.Overdue);
        var events = Logging.Decide(state, Development(Stance.Undermines, Strength.Decisive));
        events.ShouldHaveSingleItem();
        Apply(state, events).Status.ShouldBe(PredictionStatus.Overdue);
    }

    [Fact]
    public void Given_two_developments_When_the_first_is_retracted_Then_p_is_the_replay_without_it()
    {
        var state = Given(0.5);
        var first = Logging.Decide(state, Development(Stance.Supports, Strength.Strong));
        state = Apply(state, first);
        var second = Logging.Decide(state, Development(Stance.Undermines, Strength.Moderate));
        state = Apply(state, second);
        var history = new List<object> { Registered(0.5) };
        history.AddRange(first);
        history.AddRange(second);
        var firstId = ((DevelopmentLogged)first[0]).DevelopmentId;

        var events = Retracting.Decide(state, history, firstId, "misattributed", "analyst", Made.AddYears(1));

        var retraction = events[0].ShouldBeOfType<DevelopmentRetracted>();
        retraction.Probability.ShouldBe(ProbabilityRules.Shift(0.5, Stance.Undermines, Strength.Moderate), 1e-12);
        Apply(state, events).Probability.ShouldBe(0.378, 0.001);
    }

    [Fact]
    public void Given_unlikely_When_the_analyst_revises_to_080_Then_it_becomes_likely()
    {
        var state = Given(0.3);
        var events = Revising.Decide(state, 0.8, "new evidence", "analyst", Made.AddMonths(1));
        events[1].ShouldBeOfType<StatusChanged>().To.ShouldBe(PredictionStatus.Likely);
    }

    [Theory]
    [InlineData(Outcome.Confirmed, PredictionStatus.Confirmed)]
    [InlineData(Outcome.Refuted, PredictionStatus.Refuted)]
    [InlineData(Outcome.Void, PredictionStatus.Void)]
    public void Given_an_open_prediction_When_resolved_Then_the_status_is_terminal(Outcome outcome, PredictionStatus status)
    {
        var state = Given(0.4);
        var events = Resolving.Decide(state, outcome, "condition failed", "analyst", Made.AddYears(2))!;
        events[0].ShouldBeOfType<PredictionResolved>().Outcome.ShouldBe(outcome);
        var resolved = Apply(state, events);
        resolved.Status.ShouldBe(status);
        Resolving.Decide(resolved, Outcome.Refuted, "again", "analyst", Made.AddYears(3)).ShouldBeNull();
    }

    [Fact]
    public void Given_an_unresolved_prediction_When_the_horizon_passes_Then_it_is_overdue_once()
    {
        var state = Given(0.9);
        Passing.Decide(state, state.Horizon.AddSeconds(-1)).ShouldBeEmpty();
        var events = Passing.Decide(state, state.Horizon);
        events[1].ShouldBeOfType<StatusChanged>().To.ShouldBe(PredictionStatus.Overdue);
        Passing.Decide(Apply(state, events), state.Horizon.AddDays(1)).ShouldBeEmpty();
    }

    [Fact]
    public void Given_a_wording_When_reworded_with_the_same_text_Then_nothing_is_appended()
    {
        var state = Given(0.5);
        Rewording.Decide(state, state.Title, null, null, "analyst", Made).ShouldBeEmpty();
        Rewording.Decide(state, "New title", null, null, "analyst", Made).ShouldHaveSingleItem().ShouldBeOfType<PredictionReworded>().Claim.ShouldBe(state.Claim);
    }

    [Fact]
    public void Given_developments_recorded_out_of_real_world_order_When_replayed_by_effective_time_Then_they_apply_in_world_order()
    {
        var state = Given(0.5);
        var late = Logging.Decide(state, Development(Stance.Supports, Strength.Decisive, Made.AddYears(3)));
        state = Apply(state, late);
        var early = Logging.Decide(state, Development(Stance.Undermines, Strength.Weak, Made.AddYears(1)));
        var recorded = new List<RecordedEvent> { new(1, Made, "a", Registered(0.5)) };
        var version = 1;
        recorded.AddRange(late.Concat(early).Select(e => new RecordedEvent(++version, Made.AddYears(5), "a", (IPredictionEvent)e)));

        var effective = Replays.ByEffective(recorded);
        effective.Select(e => e.Event.Data).OfType<DevelopmentLogged>().First().Summary.ShouldBe("Undermines Weak");
        effective[1].State.Probability.ShouldBe(ProbabilityRules.Shift(0.5, Stance.Undermines, Strength.Weak), 1e-12);

        var asOf = Replays.ByEffective(recorded, Made.AddYears(2));
        asOf[^1].State.Probability.ShouldBe(ProbabilityRules.Shift(0.5, Stance.Undermines, Strength.Weak), 1e-12);
        Replays.ByEffective(recorded, Made.AddDays(-1)).ShouldBeEmpty();
    }

    [Fact]
    public void Given_a_hash_chain_When_one_event_is_edited_Then_verification_names_its_version()
    {
        var events = new List<StoredEvent>
        {
            new(1, "prediction_registered", """{"b":1,"a":"x"}"""),
            new(2, "note_added", """{"text":"hello"}"""),
            new(3, "note_added", """{"text":"again"}"""),
        };
        var links = new Dictionary<long, string>();
        var previous = HashChain.Genesis;
        foreach (var e in events)
        {
            previous = links[e.Version] = HashChain.Compute(previous, e.Type, e.Version, e.Data);
        }
        // jsonb re-orders keys and spacing: the canonical form makes that harmless.
        Audit.Verify([events[0] with { Data = """{"a": "x", "b": 1.0}""" }, events[1], events[2]], links, 3).Valid.ShouldBeTrue();
        Audit.Verify([events[0], events[1] with { Data = """{"text":"edited"}""" }, events[2]], links, 3).BrokenAtVersion.ShouldBe(2);
        Audit.Verify([events[0], events[2]], links, 3).BrokenAtVersion.ShouldBe(2);
        Audit.Verify([events[0], events[1]], links, 3).BrokenAtVersion.ShouldBe(3);
    }
}
