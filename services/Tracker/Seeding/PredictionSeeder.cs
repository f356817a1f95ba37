using System.Text.Json;
using Marten;
using Npgsql;
using PolicyTracker.Tracker.Predictions;
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
        await EnsureAsOfIndexAsync(cancellationToken);
        var path = Path.Combine(AppContext.BaseDirectory, "Seeding", "predictions.json");
        var seeds = JsonSerializer.Deserialize<List<SeedPrediction>>(await File.ReadAllTextAsync(path, cancellationToken), JsonSerializerOptions.Web) ?? [];
        foreach (var seed in seeds)
        {
            await using var session = store.LightweightSession();
            if (await session.Events.FetchStreamStateAsync(seed.Id, cancellationToken) is not null)
            {
                continue;
            }
            session.LastModifiedBy = RecordedBy;
            var registered = Registering.Decide(seed.Id, seed.Title, seed.Claim, seed.ResolutionCriteria, seed.Horizon, seed.Prior,
                seed.Tags, seed.SearchTerms, seed.Source, RecordedBy, seed.MadeAt);
            await PredictionLedger.RecordAsync(session, seed.Id, null, 0, [registered], cancellationToken);
            session.Events.StartStream<Prediction>(seed.Id, registered);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                logger.LogInformation("Seeded prediction {PredictionId}", seed.Id);
            }
            catch (Exception ex) when (PredictionWrites.IsLostRace(ex))
            {
                logger.LogInformation("Prediction {PredictionId} was seeded by another instance", seed.Id);
            }
        }
    }

    /// <summary>As-of by recorded time looks up the version current at T; this index keeps that a single probe.</summary>
    private async Task EnsureAsOfIndexAsync(CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"create index if not exists pt_events_stream_timestamp on {PredictionStore.Schema}.mt_events (stream_id, timestamp)", connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another instance created it at the same moment.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
