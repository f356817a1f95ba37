using Marten;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Evaluation;

/// <summary>
/// The evaluation set against the seeded predictions with nothing learnt yet (a fresh install). Targets:
/// top-1 90%, recall@3 98%, 90% of unrelated statements without a suggestion. The floors asserted sit well
/// under them, to catch a regression without flaking; the measured figures go to the test output.
/// </summary>
public sealed class MatchingEvaluationTests(SeededIngestionFixture ingestion, ITestOutputHelper output) : IClassFixture<SeededIngestionFixture>
{
    public const double Top1Floor = 0.65;
    public const double RecallAt3Floor = 0.80;
    public const double UnrelatedCleanFloor = 0.80;

    [Fact]
    public async Task The_evaluation_set_is_matched_above_the_floors_from_wording_and_search_terms_alone()
    {
        var figures = await MatchingEvaluation.RunAsync(ingestion, output.WriteLine);

        output.WriteLine("wording only: " + figures);
        figures.Relevant.ShouldBeGreaterThanOrEqualTo(80);
        figures.Unrelated.ShouldBeGreaterThanOrEqualTo(25);
        figures.Top1Rate.ShouldBeGreaterThanOrEqualTo(Top1Floor, figures.ToString());
        figures.RecallAt3Rate.ShouldBeGreaterThanOrEqualTo(RecallAt3Floor, figures.ToString());
        figures.UnrelatedCleanRate.ShouldBeGreaterThanOrEqualTo(UnrelatedCleanFloor, figures.ToString());
    }
}

/// <summary>The same set after the history's developments were logged: what analysts linked pulls.</summary>
public sealed class MatchingEvaluationWithFeedbackTests(SeededIngestionFixture ingestion, ITestOutputHelper output) : IClassFixture<SeededIngestionFixture>
{
    [Fact]
    public async Task The_evaluation_set_stays_above_the_floors_once_the_history_is_learnt()
    {
        var links = RepositoryData.HistoryLinks();
        foreach (var (predictionId, summary) in links)
        {
            await ingestion.Tracker.Bus.Publish(new PredictionDevelopmentLoggedNotice(
                predictionId, 3, predictionId, Guid.NewGuid(), null, summary, Stance.Neutral, Strength.Moderate, 0.5,
                PredictionStatus.Uncertain, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "history"));
        }
        await Eventually.True(async () =>
        {
            await using var session = ingestion.Store.QuerySession();
            return await session.Query<FeedbackExample>().CountAsync() >= links.Count;
        }, "every history development learnt as a linked example", TimeSpan.FromSeconds(120));

        var figures = await MatchingEvaluation.RunAsync(ingestion, output.WriteLine);

        output.WriteLine($"after {links.Count} history links: " + figures);
        figures.Top1Rate.ShouldBeGreaterThanOrEqualTo(0.75, figures.ToString());
        figures.RecallAt3Rate.ShouldBeGreaterThanOrEqualTo(0.88, figures.ToString());
        figures.UnrelatedCleanRate.ShouldBeGreaterThanOrEqualTo(MatchingEvaluationTests.UnrelatedCleanFloor, figures.ToString());
    }
}
