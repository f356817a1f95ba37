using Marten;
using MassTransit;
using Microsoft.Extensions.Options;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;

namespace PolicyTracker.Ingestion.Predictions;

public sealed class PredictionCatalogOptions
{
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Fills the read model at start-up: events the Tracker published before our queue existed never
/// reached us, so we ask for the whole catalog and keep asking until the Tracker answers.
/// </summary>
public sealed class PredictionCatalogLoader(
    IServiceScopeFactory scopes,
    IDocumentStore store,
    SentenceEmbeddings embeddings,
    IOptions<PredictionCatalogOptions> options,
    TimeProvider clock,
    ILogger<PredictionCatalogLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            attempt++;
            try
            {
                using var scope = scopes.CreateScope();
                var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetPredictionCatalog>>();
                var response = await client.GetResponse<PredictionCatalog>(
                    new GetPredictionCatalog(clock.GetUtcNow()), stoppingToken, (RequestTimeout)options.Value.RequestTimeout);
                var stored = await StoreAsync(store, embeddings, response.Message, stoppingToken);
                logger.LogInformation("Prediction catalog loaded: {Count} predictions, {Stored} new or newer", response.Message.Predictions.Count, stored);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Prediction catalog not loaded yet (attempt {Attempt}): {Reason}; retrying in {Delay}",
                    attempt, ex.Message, options.Value.RetryDelay);
            }
            try
            {
                await Task.Delay(options.Value.RetryDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public static async Task<int> StoreAsync(IDocumentStore store, SentenceEmbeddings embeddings, PredictionCatalog catalog, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var ids = catalog.Predictions.Select(p => p.PredictionId).ToArray();
        var known = (await session.LoadManyAsync<KnownPrediction>(cancellationToken, ids)).ToDictionary(p => p.Id);
        var stored = 0;
        foreach (var entry in catalog.Predictions)
        {
            if (known.TryGetValue(entry.PredictionId, out var current) && current.Version >= entry.Version)
            {
                continue;
            }
            var fresh = KnownPrediction.From(entry);
            // The catalog carries no resolution criteria: keep the ones an earlier event brought.
            fresh.ResolutionCriteria = current?.ResolutionCriteria ?? "";
            session.Store(fresh.WithProfile(embeddings));
            stored++;
        }
        await session.SaveChangesAsync(cancellationToken);
        return stored;
    }
}
