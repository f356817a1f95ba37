using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Triage;

namespace PolicyTracker.Ingestion.Tests.Decisions;

public sealed class MatchingDecisionTests
{
    private static MatchFeatures Pair(double semantic, int hits = 0, double overlap = 0, double pull = 0, double push = 0) =>
        new("p", semantic, hits, overlap, pull, push, SemanticBest: semantic, SemanticTop2: semantic, PullBest: pull);

    [Fact]
    public void Given_more_evidence_of_any_kind_When_scored_Then_the_score_rises_and_stays_within_0_and_1()
    {
        var low = MatchScore.Score(Pair(0.1)).Score;
        var semantic = MatchScore.Score(Pair(0.5)).Score;
        var withKeywords = MatchScore.Score(Pair(0.5, hits: 2, overlap: 0.1)).Score;
        low.ShouldBeInRange(0, 1);
        semantic.ShouldBeGreaterThan(low);
        withKeywords.ShouldBeGreaterThan(semantic);
        MatchScore.Score(Pair(1, hits: 10, overlap: 1)).Score.ShouldBeLessThanOrEqualTo(1);
    }

    [Fact]
    public void Given_no_feedback_When_scored_Then_the_feedback_part_is_zero_and_the_parts_are_shown()
    {
        var why = MatchScore.Score(Pair(0.4, hits: 1, overlap: 0.05)).Why!;
        why.Feedback.ShouldBe(0);
        why.Semantic.ShouldBe(0.4);
        why.Keywords.ShouldBeInRange(0.01, 1);
    }

    [Fact]
    public void Given_a_statement_closer_to_linked_ones_than_to_the_wording_When_scored_Then_feedback_pulls_it_up()
    {
        var taught = MatchScore.Score(Pair(0.3, pull: 0.6));
        taught.Score.ShouldBeGreaterThan(MatchScore.Score(Pair(0.3)).Score);
        taught.Why!.Feedback.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Given_a_statement_closer_to_a_dismissed_one_than_to_anything_linked_When_scored_Then_feedback_pushes_it_down()
    {
        var pushed = MatchScore.Score(Pair(0.4, push: 0.9));
        pushed.Score.ShouldBeLessThan(MatchScore.Score(Pair(0.4)).Score);
        pushed.Why!.Feedback.ShouldBeLessThan(0);
    }

    [Fact]
    public void Given_a_statement_as_close_to_linked_as_to_dismissed_ones_When_scored_Then_the_push_does_not_outweigh_the_pull() =>
        MatchScore.Score(Pair(0.3, pull: 0.7, push: 0.7)).Score.ShouldBeGreaterThan(MatchScore.Score(Pair(0.3)).Score);

    [Fact]
    public void Given_accented_text_When_prepared_for_the_encoder_Then_the_marks_are_stripped() =>
        SentenceEmbeddings.Prepare("Détente in Zürich, São Paulo").ShouldBe("Detente in Zurich, Sao Paulo");

    [Fact]
    public void Given_a_very_long_text_When_prepared_Then_only_its_first_part_is_kept_cut_at_a_word()
    {
        var prepared = SentenceEmbeddings.Prepare(string.Concat(Enumerable.Repeat("word ", 4_000)));
        prepared.Length.ShouldBeLessThanOrEqualTo(SentenceEmbeddings.MaxChars);
        prepared.ShouldEndWith("word");
    }

    [Fact]
    public void Given_only_marks_or_controls_When_prepared_Then_the_encoder_still_gets_a_text() =>
        SentenceEmbeddings.Prepare("\u0301\u0007 ").ShouldBe(".");

    [Fact]
    public void Given_a_pending_statement_When_matched_Then_it_reaches_triage_with_or_without_suggestions()
    {
        var without = new Statement { State = StatementState.Pending };
        MatchingWorker.Matched(without, []);
        without.State.ShouldBe(StatementState.Triage);

        var with = new Statement { State = StatementState.Pending };
        MatchingWorker.Matched(with, [new Suggestion("iran-deal", 0.8)]);
        with.State.ShouldBe(StatementState.Triage);
        with.Suggestions.Single().PredictionId.ShouldBe("iran-deal");
    }

    [Fact]
    public void Given_a_dismissed_statement_with_suggestions_When_learnt_from_Then_each_suggested_prediction_gets_a_negative_example()
    {
        var statement = new Statement { Id = Guid.NewGuid(), Suggestions = [new("a", 0.5), new("b", 0.1)] };
        var examples = TriageDecisions.DismissedExamples(statement, [1f, 0f], DateTimeOffset.UnixEpoch).ToList();
        examples.Select(e => e.PredictionId).ShouldBe(["a", "b"]);
        examples.ShouldAllBe(e => e.Sign == -1);
        examples[0].Id.ShouldBe(FeedbackExample.DismissedId(statement.Id, "a"));
    }

    [Theory]
    [InlineData(null, true, true)]
    [InlineData("false", true, false)]
    [InlineData("True", true, true)]
    [InlineData("maybe", false, true)]
    public void Given_the_suggested_filter_When_parsed_Then_absent_means_true_and_junk_is_refused(string? value, bool valid, bool suggested)
    {
        TriageDecisions.TryParseSuggested(value, out var parsed).ShouldBe(valid);
        if (valid)
        {
            parsed.ShouldBe(suggested);
        }
    }
}
