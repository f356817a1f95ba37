using Marten;
using Microsoft.Extensions.Options;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker.PassingHorizon;

public static class Passing
{
    public const string RecordedBy = "tracker";

    /// <summary>Once the horizon passes unresolved the prediction is overdue; nothing when resolved or already passed.</summary>
    public static IReadOnlyList<object> Decide(Prediction state, DateTimeOffset now)
    {
        if (state.IsResolved || state.HorizonHasPassed || now < state.Horizon)
        {
            return [];
        }
        return
        [
            new HorizonPassed(state.Id, state.Horizon, state.Probability, RecordedBy, state.Horizon),
            new StatusChanged(state.Id, state.Status, PredictionStatus.Overdue, state.Probability, state.Probability, "horizon-passed",
                null, "The horizon passed unresolved.", RecordedBy, state.Horizon),
        ];
    }
}

/// <summary>The horizon check, bound from Tracker:HorizonCheck.</summary>
public sealed class HorizonCheckOptions
{
    public const string Section = "Tracker:HorizonCheck";

    /// <summary>
    /// Development replays the essay's 2017-2025 history on a 2026 clock: with the check on, every
    /// prediction would be overdue before the first development arrived, so Development turns it off.
    /// </summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Checks horizons on the injected clock, so tests move time instead of waiting for it.</summary>
public sealed class HorizonWatcher(IDocumentStore store, TimeProvider clock, IOptions<HorizonCheckOptions> options, ILogger<HorizonWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("Horizon check disabled by {Section}:Enabled", HorizonCheckOptions.Section);
            return;
        }
        var interval = options.Value.Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Horizon check failed; retrying in {Interval}", interval);
            }
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var query = store.QuerySession();
        var due = await query.Query<Prediction>()
            .Where(p => p.Horizon <= now && !p.HorizonHasPassed && p.Resolution == null)
            .Select(p => p.Id)
            .ToListAsync(cancellationToken);
        foreach (var id in due)
        {
            // Another writer moving the stream makes the watcher decide again on the new state.
            var result = await PredictionWrites.AppendAsync(store, id, Passing.RecordedBy, null, (state, _) =>
                Task.FromResult(new Decision(Passing.Decide(state, now))), cancellationToken);
            if (result.Refusal is not null)
            {
                logger.LogWarning("Horizon check for {PredictionId} lost too many races; the next check retries", id);
            }
        }
    }
}
