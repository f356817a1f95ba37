using PolicyTracker.ServiceDefaults;
using System.Text.Json;
using System.Text.Json.Nodes;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;

namespace PolicyTracker.Ingestion.Tests.Decisions;

/// <summary>The history file is what a newcomer sees first: every row must pass the API and cover every prediction.</summary>
public sealed class HistoryDataTests
{
    private static string Folder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "history")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory!.FullName, "data", "history");
    }

    private static JsonArray Load(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Folder(), name)))!.AsArray();

    [Fact]
    public void Every_development_is_a_valid_linked_statement_with_a_source()
    {
        foreach (var development in Load("developments.json"))
        {
            var statement = new JsonObject
            {
                ["text"] = development!["summary"]!.GetValue<string>(),
                ["publishedAt"] = development["date"]!.GetValue<string>(),
                ["source"] = development["source"]!.DeepClone(),
                ["links"] = development["links"]!.DeepClone(),
            };
            var (input, errors) = StatementInputs.Parse(JsonDocument.Parse(statement.ToJsonString()).RootElement);
            errors.ShouldBeEmpty(statement.ToJsonString());
            input!.Links.ShouldNotBeEmpty();
            input.Source!.Publisher.ShouldNotBeNullOrWhiteSpace();
            input.Source.Title.ShouldNotBeNullOrWhiteSpace();
            input.PublishedAt.Year.ShouldBeInRange(2017, 2025);
        }
    }

    [Fact]
    public void Every_essay_prediction_has_developments_and_a_resolution_with_a_rationale()
    {
        var ids = EssayCatalog.Predictions.Select(p => p.PredictionId).ToHashSet();
        var linked = Load("developments.json").SelectMany(d => d!["links"]!.AsArray().Select(l => l!["predictionId"]!.GetValue<string>())).ToList();
        linked.ShouldAllBe(id => ids.Contains(id));
        ids.ShouldAllBe(id => linked.Count(l => l == id) >= 4);

        var resolutions = Load("resolutions.json");
        resolutions.Select(r => r!["predictionId"]!.GetValue<string>()).Order().ShouldBe(ids.Order());
        foreach (var resolution in resolutions)
        {
            Enum.TryParse<Outcome>(resolution!["outcome"]!.GetValue<string>(), ignoreCase: true, out _).ShouldBeTrue();
            resolution["rationale"]!.GetValue<string>().Length.ShouldBeGreaterThan(40);
        }
    }

    [Fact]
    public void The_history_holds_at_least_sixty_dated_developments_each_with_a_publisher_and_title()
    {
        var developments = Load("developments.json");
        developments.Count.ShouldBeGreaterThanOrEqualTo(60);
        developments.ShouldAllBe(d => !string.IsNullOrWhiteSpace(d!["source"]!["publisher"]!.GetValue<string>())
            && !string.IsNullOrWhiteSpace(d["source"]!["title"]!.GetValue<string>()) && d["date"] != null);
    }

    [Fact]
    public void No_two_developments_would_collapse_into_one_statement()
    {
        var keys = Load("developments.json").Select(d => DedupKeys.For(new StatementInput(
            d!["summary"]!.GetValue<string>(), (InputParsing.TryParseTime(d["date"]!.GetValue<string>(), out var date) ? date : throw new InvalidDataException("date")), null, null, []))).ToList();
        keys.Distinct().Count().ShouldBe(keys.Count);
    }
}
