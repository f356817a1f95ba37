using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>
/// One Ingestion per test class on its own database and vhost. Ingestion starts before the
/// stand-in Tracker, so the catalog request has to be retried until someone answers.
/// </summary>
public class IngestionFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public ServiceFactory<Program> Service { get; private set; } = null!;
    public TestTracker Tracker { get; private set; } = null!;

    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>False to play a Tracker that answers the catalog but is not consuming commands yet.</summary>
    protected virtual bool TrackerConsumesCommands => true;

    public virtual async ValueTask InitializeAsync()
    {
        Infrastructure = await IsolatedInfrastructure.CreateAsync("ing");
        var settings = new Dictionary<string, string?>
        {
            ["Predictions:Catalog:RetryDelay"] = "00:00:00.500",
            ["Predictions:Catalog:RequestTimeout"] = "00:00:02",
            ["Predictions:Catalog:RetryMaxDelay"] = "00:00:01",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        Service = new ServiceFactory<Program>(Infrastructure, settings);
        _ = Service.Server;
        Tracker = await TestTracker.StartAsync(Infrastructure, EssayCatalog.Predictions, TrackerConsumesCommands);
        await Eventually.True(async () =>
        {
            await using var session = Store.QuerySession();
            return await session.Query<KnownPrediction>().CountAsync() >= EssayCatalog.Predictions.Count;
        }, "the prediction catalog to reach Ingestion's read model", TimeSpan.FromSeconds(60));
    }

    public IDocumentStore Store => Service.Services.GetRequiredService<IDocumentStore>();

    public HttpClient Client(string? apiKey = "analyst-dev-key") => Service.Client(apiKey);

    public async ValueTask DisposeAsync()
    {
        await Tracker.DisposeAsync();
        await Service.DisposeAsync();
        await Infrastructure.DisposeAsync();
    }
}
