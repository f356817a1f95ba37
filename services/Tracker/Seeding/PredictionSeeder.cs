using System.Text.Json;
using Marten;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.RegisteringPrediction;

namespace PolicyTracker.Tracker.Seeding;

public sealed record SeedPrediction(
    string Id, string Title, string Claim, string ResolutionCriteria, DateTimeOffset Horizon, double Prior,
    string[] Tags, string[] SearchTerms, PredictionSource Source, DateTimeOffset MadeAt);

/// <summary>
/// Registers the essay's predictions at start-up when their streams are missing. Idempotent, and safe
/// when several instances start at once: a stream another instance just started is a collision we ignore.
/// </summary>
public sealed class PredictionSeeder(IDocumentStore store, ILogger<PredictionSeeder> logger) : IHostedService
{
    public const string RecordedBy = "tracker-seed";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Seeding", "predictions.json");
        var seeds = JsonSerializer.Deserialize<List<SeedPrediction>>(await File.ReadAllTextAsync(path, cancellationToken), JsonSerializerOptions.Web) ?? [];
        foreach (var seed in seeds)
        {
            var registered = Registering.Decide(seed.Id, seed.Title, seed.Claim, seed.ResolutionCriteria, seed.Horizon, seed.Prior,
                seed.Tags, seed.SearchTerms, seed.Source, RecordedBy, seed.MadeAt);
            // A stream that exists (seeded earlier, or just now by another instance) is left as it is.
            var result = await PredictionWrites.WriteAsync(store, seed.Id, RecordedBy, null, (state, _) =>
                Task.FromResult(state is null ? Decision.Of(registered) : Decision.Of()), cancellationToken);
            if (result.Appended)
            {
                logger.LogInformation("Seeded prediction {PredictionId}", seed.Id);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
