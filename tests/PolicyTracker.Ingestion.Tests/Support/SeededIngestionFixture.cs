using Marten;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>Ingestion that knows the essay's predictions in the Tracker's own wording: claims, criteria and search terms of the seed.</summary>
public class SeededIngestionFixture : IngestionFixture
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var seeded = RepositoryData.SeededPredictions();
        foreach (var registered in seeded)
        {
            await Tracker.Bus.Publish(registered);
        }
        await Eventually.True(async () =>
        {
            await using var session = Store.QuerySession();
            return await session.Query<KnownPrediction>().CountAsync(p => p.Version >= 2) >= seeded.Count;
        }, "the seeded wording of every prediction in the read model", TimeSpan.FromSeconds(60));
    }
}
