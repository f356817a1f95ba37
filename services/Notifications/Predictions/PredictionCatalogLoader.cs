using Marten;
using MassTransit;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.Predictions;

/// <summary>
/// Fills the prediction summaries from the Tracker's catalog at start-up: our queues may not have
/// existed when the Tracker published its registrations. Retries until the Tracker answers.
/// </summary>
public sealed class PredictionCatalogLoader(
    IServiceScopeFactory scopes, IDocumentStore store, IConfiguration configuration, TimeProvider time, ILogger<PredictionCatalogLoader> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        var timeout = configuration.GetValue("Predictions:CatalogRequestTimeout", TimeSpan.FromSeconds(10));
        var maxDelay = configuration.GetValue("Predictions:CatalogRetryMaxDelay", TimeSpan.FromSeconds(30));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var scope = scopes.CreateScope();
                var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetPredictionCatalog>>();
                var response = await client.GetResponse<PredictionCatalog>(new GetPredictionCatalog(time.GetUtcNow()), stoppingToken, RequestTimeout.After(ms: (int)timeout.TotalMilliseconds));
                await StoreAsync(response.Message, stoppingToken);
                logger.LogInformation("Loaded {Count} predictions from the Tracker's catalog", response.Message.Predictions.Count);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("The Tracker's prediction catalog is not available yet ({Error}); retrying in {Delay}", ex.Message, delay);
            }
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = delay * 2 < maxDelay ? delay * 2 : maxDelay;
        }
    }

    private async Task StoreAsync(PredictionCatalog catalog, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var ids = catalog.Predictions.Select(p => p.PredictionId).ToArray();
        var known = (await session.LoadManyAsync<PredictionSummary>(cancellationToken, ids)).ToDictionary(p => p.Id);
        foreach (var entry in catalog.Predictions)
        {
            if (!known.TryGetValue(entry.PredictionId, out var current) || current.Version < entry.Version)
            {
                session.Store(new PredictionSummary { Id = entry.PredictionId, Title = entry.Title, Tags = [.. entry.Tags], Version = entry.Version });
            }
        }
        await session.SaveChangesAsync(cancellationToken);
    }
}
