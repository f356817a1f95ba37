namespace PolicyTracker.Tracker.Tests.Api;

public class SeedingTests(InfrastructureFixture fixture) : IClassFixture<InfrastructureFixture>
{
    [Fact]
    public async Task Two_trackers_starting_at_once_on_an_empty_database_seed_each_prediction_exactly_once()
    {
        await using var first = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        await using var second = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));

        await using var third = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var predictions = (await (await third.Client().GetAsync("/api/predictions")).Body()).EnumerateArray().ToList();
        predictions.Count.ShouldBe(11);
        predictions.ShouldAllBe(p => p.GetProperty("version").GetInt64() == 1);
        var history = await (await third.Client("auditor-dev-key").GetAsync("/api/predictions/syria-victory/history")).Body();
        history.GetArrayLength().ShouldBe(1);
        history[0].GetProperty("recordedBy").GetString().ShouldBe("tracker-seed");
        history[0].GetProperty("data").GetProperty("source").GetProperty("quote").GetString()!.ShouldContain("declare victory");
    }
}
