using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MartenCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;

namespace PolicyTracker.ServiceDefaults.Persistence;

/// <summary>Where one subscription or async projection stands, as last sampled.</summary>
/// <param name="State">On this instance: running; starting, paused or stopped while holding its lock (the
/// coordinator restarts it); or standby (another instance holds its lock).</param>
/// <param name="Lag">Committed events it has not processed yet: the highest committed sequence minus its progression.</param>
/// <param name="LaggingSince">Since when the lag has been above the bound, if it is.</param>
public sealed record SubscriptionStatus(
    string Name, string State, long Progress, long HighWater, long Lag, string? Failure, DateTimeOffset? LaggingSince);

public sealed class SubscriptionMonitorOptions
{
    public const string Section = "Subscriptions";

    /// <summary>A subscription this many events behind ...</summary>
    public long MaxLag { get; set; } = 10_000;

    /// <summary>... for longer than this makes the service unhealthy.</summary>
    public TimeSpan MaxLagDuration { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Samples every registered subscription's progression against the event store's high-water mark,
/// exports the lag as the <c>policytracker.subscription.lag</c> gauge (tag <c>subscription</c>), and
/// backs the "subscriptions" readiness check. Progression rows are shared by all instances, so the lag is
/// the same whichever instance answers; the state is this instance's own agent.
/// </summary>
internal sealed class SubscriptionMonitor : BackgroundService, IHealthCheck
{
    public const string MeterName = "PolicyTracker";
    public const string LagMetric = "policytracker.subscription.lag";

    private readonly IDocumentStore _store;
    private readonly IServiceProvider _services;
    private readonly SubscriptionMonitorOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<SubscriptionMonitor> _logger;
    private volatile Sample? _last;
    private string? _lastError;
    private readonly SemaphoreSlim _sampling = new(1, 1);

    private sealed record Sample(DateTimeOffset At, ImmutableArray<SubscriptionStatus> Subscriptions);

    public SubscriptionMonitor(IDocumentStore store, IServiceProvider services, IOptions<SubscriptionMonitorOptions> options, IMeterFactory meters,
        ILogger<SubscriptionMonitor> logger)
    {
        _store = store;
        _services = services;
        _logger = logger;
        _clock = services.GetService<TimeProvider>() ?? TimeProvider.System;
        _options = options.Value;
        meters.Create(MeterName).CreateObservableGauge(LagMetric, Measure, "{event}",
            "Committed events a subscription or async projection has not processed yet");
    }

    private IEnumerable<Measurement<long>> Measure() =>
        _last?.Subscriptions.Select(s => new Measurement<long>(s.Lag, new KeyValuePair<string, object?>("subscription", s.Name))) ?? [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (RegisteredShards().Count == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(_options.PollInterval, _clock);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Samples now; readiness asks for a fresh sample too, so it never answers from before a failure.</summary>
    private async Task<Sample?> RefreshAsync(CancellationToken cancellationToken)
    {
        await _sampling.WaitAsync(cancellationToken);
        try
        {
            _last = await SampleAsync(cancellationToken);
            _lastError = null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The database being down is reported by its own check; keep the last sample's age visible.
            _lastError = ex.Message;
            _logger.LogDebug(ex, "Could not sample subscription progress");
        }
        finally
        {
            _sampling.Release();
        }
        return _last;
    }

    private IReadOnlyList<JasperFx.Events.Projections.ShardName> RegisteredShards() =>
        ((IEventStore)_store).RegisteredShardNames();

    private async Task<Sample> SampleAsync(CancellationToken cancellationToken)
    {
        var database = (MartenDatabase)_store.Storage.Database;
        var lags = await ((IEventDatabase)database).FetchProjectionLagAsync(RegisteredShards(), cancellationToken);
        // The daemon's own mark stops moving when no instance runs the daemon; the highest committed
        // sequence does not, so a subscription nobody runs still shows its real lag.
        var committed = await database.FetchMaxEventSequenceAsync(cancellationToken) ?? 0;
        var coordinator = _services.GetService<MartenCoordinator>();
        var agents = coordinator?.DaemonForMainDatabase().CurrentAgents().ToDictionary(a => a.Name.Identity) ?? [];
        var held = new HashSet<string>();
        if ((coordinator as ProjectionCoordinatorBase)?.Distributor is { } distributor)
        {
            foreach (var set in await distributor.BuildDistributionAsync())
            {
                if (distributor.HasLock(set))
                {
                    held.UnionWith(set.Names.Select(n => n.Identity));
                }
            }
        }
        var previous = _last?.Subscriptions.ToDictionary(s => s.Name) ?? [];
        var now = _clock.GetUtcNow();
        var statuses = lags.Select(lag =>
        {
            var name = lag.Shard.Identity;
            var highWater = Math.Max(lag.HighWaterMark, committed);
            var behind = Math.Max(0, highWater - lag.Sequence);
            agents.TryGetValue(name, out var agent);
            // A paused agent left on an instance that lost the lock resumes only if it wins the lock back: standby.
            var state = agent?.Status == JasperFx.AgentStatus.Running ? "running"
                : !held.Contains(name) ? "standby"
                : agent is null ? "starting"
                : agent.Status.ToString().ToLowerInvariant();
            DateTimeOffset? laggingSince = behind > _options.MaxLag
                ? previous.GetValueOrDefault(name)?.LaggingSince ?? now
                : null;
            return new SubscriptionStatus(name, state, lag.Sequence, highWater, behind, agent?.Failure?.ToString(), laggingSince);
        });
        return new Sample(now, [.. statuses]);
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (RegisteredShards().Count == 0)
        {
            return HealthCheckResult.Healthy("no subscriptions or async projections");
        }
        var sample = await RefreshAsync(cancellationToken);
        if (sample is null)
        {
            return HealthCheckResult.Degraded($"not sampled yet{(_lastError is null ? "" : $": {_lastError}")}");
        }
        var now = _clock.GetUtcNow();
        var data = sample.Subscriptions.ToDictionary(s => s.Name, s => (object)new
        {
            state = s.State,
            lag = s.Lag,
            progress = s.Progress,
            highWater = s.HighWater,
            failure = s.Failure,
        });
        var description = string.Join("; ", sample.Subscriptions.Select(s => $"{s.Name} {s.State}, lag {s.Lag}"));
        var stuck = sample.Subscriptions.Where(s => s.LaggingSince is { } since && now - since > _options.MaxLagDuration).ToList();
        if (stuck.Count > 0)
        {
            return HealthCheckResult.Unhealthy(
                $"{string.Join(", ", stuck.Select(s => s.Name))} more than {_options.MaxLag} events behind for over {_options.MaxLagDuration.TotalSeconds:0} s: {description}",
                data: data);
        }
        var stale = now - sample.At > 3 * _options.PollInterval;
        var failed = sample.Subscriptions.Any(s => s.State is "paused" or "stopped");
        return stale || failed
            ? HealthCheckResult.Degraded($"{description}{(stale ? $" (sampled {(now - sample.At).TotalSeconds:0} s ago: {_lastError})" : "")}", data: data)
            : HealthCheckResult.Healthy(description, data);
    }
}
