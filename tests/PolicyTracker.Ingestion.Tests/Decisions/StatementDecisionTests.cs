using PolicyTracker.ServiceDefaults;
using System.Text.Json;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Triage;

namespace PolicyTracker.Ingestion.Tests.Decisions;

public sealed class StatementDecisionTests
{
    private static DateTimeOffset? Time(string text) => InputParsing.TryParseTime(text, out var time) ? time : null;

    private static StatementInput Input(string text, string? url = null, string at = "2018-05-08T10:00:00Z") =>
        new(text, Time(at)!.Value, null, url is null ? null : new SourceReference(url, null, null), []);

    [Fact]
    public void Given_a_date_only_time_When_parsed_Then_it_is_midnight_utc() =>
        Time("2018-05-08").ShouldBe(new DateTimeOffset(2018, 5, 8, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Given_a_time_with_offset_When_parsed_Then_the_instant_is_kept() =>
        Time("2018-05-08T12:00:00+02:00").ShouldBe(new DateTimeOffset(2018, 5, 8, 10, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("08/05/2018")]
    [InlineData("2018-13-01")]
    public void Given_a_time_that_is_not_iso_When_parsed_Then_it_is_refused(string value) =>
        Time(value).ShouldBeNull();

    [Theory]
    [InlineData("supports", Stance.Supports)]
    [InlineData("Supports", Stance.Supports)]
    [InlineData(" undermines ", Stance.Undermines)]
    public void Given_a_stance_in_any_case_When_parsed_Then_it_is_the_same_in_every_service(string text, Stance expected)
    {
        InputParsing.TryParseEnum<Stance>(text, out var stance).ShouldBeTrue();
        stance.ShouldBe(expected);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("for")]
    [InlineData("")]
    public void Given_a_number_or_an_unknown_name_When_parsed_as_a_stance_Then_it_is_refused(string text) =>
        InputParsing.TryParseEnum<Stance>(text, out _).ShouldBeFalse();

    [Fact]
    public void Given_two_urls_differing_in_scheme_fragment_and_trailing_slash_When_keyed_Then_the_keys_match() =>
        DedupKeys.For(Input("a", "http://Example.org/news/1/#top")).ShouldBe(DedupKeys.For(Input("b", "https://example.org/news/1")));

    [Fact]
    public void Given_no_url_When_texts_differ_only_in_case_spacing_and_punctuation_on_one_day_Then_the_keys_match() =>
        DedupKeys.For(Input("The Kremlin, said:  no.", at: "2018-05-08T01:00:00Z"))
            .ShouldBe(DedupKeys.For(Input("the kremlin said no", at: "2018-05-08T23:00:00Z")));

    [Fact]
    public void Given_no_url_When_the_same_text_is_on_another_day_Then_the_keys_differ() =>
        DedupKeys.For(Input("Same text", at: "2018-05-08T10:00:00Z")).ShouldNotBe(DedupKeys.For(Input("Same text", at: "2018-05-09T10:00:00Z")));

    [Fact]
    public void Given_a_statement_and_a_prediction_When_a_development_id_is_derived_twice_Then_it_is_the_same_version_5_uuid()
    {
        var statement = Guid.NewGuid();
        var id = DevelopmentIds.For(statement, "iran-deal");
        id.ShouldBe(DevelopmentIds.For(statement, "iran-deal"));
        id.ShouldNotBe(DevelopmentIds.For(statement, "sanctions-relief"));
        id.Version.ShouldBe(5);
    }

    [Fact]
    public void Given_links_with_unknown_stance_and_strength_When_parsed_Then_each_field_is_named()
    {
        var json = JsonDocument.Parse("""{"text":"t","publishedAt":"2018-01-01","links":[{"predictionId":"a","stance":"up","strength":"weak"},{"predictionId":"b","stance":"supports","strength":"mega"}]}""").RootElement;
        var (input, errors) = StatementInputs.Parse(json);
        input.ShouldBeNull();
        errors.Keys.ShouldBe(["links[0].stance", "links[1].strength"], ignoreOrder: true);
    }

    [Fact]
    public void Given_search_terms_with_punctuation_When_turned_into_a_query_Then_words_of_a_term_stay_together_and_terms_are_alternatives() =>
        KnownPrediction.QueryFor(["Minsk II", "cease-fire", "\"snapback\"", "or"]).ShouldBe("Minsk II or cease fire or snapback");

    [Fact]
    public void Given_suggestions_When_ranked_Then_those_below_the_threshold_go_and_the_best_come_first()
    {
        var ranked = MatchScore.Rank([new("a", 0.01), new("b", 0.3), new("c", 0.1)], new MatchingOptions { Threshold = 0.05 }).ToList();
        ranked.Select(s => s.PredictionId).ShouldBe(["b", "c"]);
    }

    [Fact]
    public void Given_a_triaged_statement_When_linked_Then_it_is_linked_and_one_event_per_prediction_is_returned()
    {
        var statement = new Statement { Id = Guid.NewGuid(), Text = "t", State = StatementState.Triage, PublishedAt = DateTimeOffset.UnixEpoch };
        var outcome = TriageDecisions.Apply(statement, new TriageDecision([new LinkInput("iran-deal", Stance.Supports, Strength.Weak, null)], null), "ana", DateTimeOffset.UnixEpoch);
        outcome.Conflict.ShouldBeNull();
        statement.State.ShouldBe(StatementState.Linked);
        outcome.Linked.Single().DevelopmentId.ShouldBe(DevelopmentIds.For(statement.Id, "iran-deal"));
        outcome.Linked.Single().LinkedBy.ShouldBe("ana");
    }

    [Fact]
    public void Given_a_linked_statement_When_dismissed_Then_it_is_a_conflict_and_nothing_changes()
    {
        var statement = new Statement { Id = Guid.NewGuid(), State = StatementState.Linked };
        var outcome = TriageDecisions.Apply(statement, new TriageDecision([], "noise"), "ana", DateTimeOffset.UnixEpoch);
        outcome.Conflict.ShouldNotBeNull();
        statement.State.ShouldBe(StatementState.Linked);
    }

    [Theory]
    [InlineData("""{"text":42,"publishedAt":"2018-01-01"}""", "text", "must be a string")]
    [InlineData("""{"text":"t","publishedAt":"2018-01-01","links":"iran-deal"}""", "links", "must be an array")]
    [InlineData("""{"text":"t","publishedAt":"2018-01-01","links":[7]}""", "links[0]", "must be an object")]
    [InlineData("""{"text":"t","publishedAt":"2018-01-01","links":[{"predictionId":"a","stance":1,"strength":"weak"}]}""", "links[0].stance", "must be a string")]
    [InlineData("""{"text":"t","publishedAt":"2018-01-01","source":"wire"}""", "source", "must be an object")]
    [InlineData("""[{"text":"t"}]""", "body", "must be a JSON object")]
    public void Given_a_value_of_the_wrong_json_type_When_parsed_Then_its_field_is_named_with_what_it_must_be(string json, string field, string message)
    {
        var (input, errors) = StatementInputs.Parse(JsonDocument.Parse(json).RootElement);
        input.ShouldBeNull();
        errors.ShouldContainKey(field);
        errors[field].ShouldBe([message]);
    }

    [Fact]
    public void Given_a_dismissal_without_reason_When_parsed_Then_reason_is_named()
    {
        var (decision, errors) = TriageDecisions.Validate(new TriageRequest(null, Dismiss: true, null));
        decision.ShouldBeNull();
        errors.Keys.ShouldContain("reason");
    }
}
