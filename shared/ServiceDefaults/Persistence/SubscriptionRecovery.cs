using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MartenCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;

namespace PolicyTracker.ServiceDefaults.Persistence;

/// <summary>
/// Hands a subscription or async projection that the daemon <em>stopped</em> after a failure back to
/// Marten's own coordinator, which then restarts it from its last committed progression on whichever
/// instance holds its advisory lock.
/// <para>
/// Why this is needed: the daemon pauses a shard on most failures, and the coordinator restarts paused
/// shards after <c>HealthCheckPollingTime</c>. A <see cref="ProgressionProgressOutOfOrderException"/>
/// (two instances ran the same shard for a moment, e.g. after a database restart dropped the lock
/// holder's connection) is the one failure the daemon answers with <c>Stopped</c> instead, and a stopped
/// agent stays registered, so the coordinator neither restarts it (it only restarts paused or missing
/// agents) nor lets anyone else run it while this instance keeps the lock. Forwarding then stops for good.
/// Ejecting the failed agent makes it "missing", which is the case the coordinator already handles.
/// </para>
/// It listens to the daemon's own shard-state stream and acts on failures only (a <see cref="ShardFailure"/>
/// is attached); a deliberate stop (lost lock, shutdown, rebuild) carries none and is left alone.
/// </summary>
internal sealed class SubscriptionRecovery(IServiceProvider services, ILogger<SubscriptionRecovery> logger)
    : IHostedLifecycleService, IObserver<ShardState>
{
    private IProjectionDaemon? _daemon;
    private IDisposable? _subscription;

    // After every hosted service started, so the coordinator exists; its loop starts agents later.
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<MartenCoordinator>() is { } coordinator)
        {
            _daemon = coordinator.DaemonForMainDatabase();
            _subscription = _daemon.Tracker.Subscribe(this);
        }
        return Task.CompletedTask;
    }

    public void OnNext(ShardState value)
    {
        if (value.Action != ShardAction.Stopped || value.Failure is not { } failure || _daemon is not { } daemon)
        {
            return;
        }
        try
        {
            if (daemon.StatusFor(value.ShardName) != JasperFx.AgentStatus.Stopped)
            {
                return;
            }
            logger.LogWarning(
                "Subscription {Shard} stopped at sequence {Sequence} ({Category}: {Reason}); handing it back to the coordinator, which restarts it from its last committed progress on the instance holding its lock",
                value.ShardName, value.Sequence, failure.Category, failure.Message);
            daemon.EjectPausedShard(value.ShardName);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not hand the stopped subscription {Shard} back to the coordinator", value.ShardName);
        }
    }

    public void OnError(Exception error) { }
    public void OnCompleted() { }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
