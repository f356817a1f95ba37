using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolicyTracker.ServiceDefaults.Persistence;

namespace PolicyTracker.ServiceDefaults.Messaging;

public sealed class ConsumptionGateOptions
{
    public const string Section = "Messaging:Outage";

    /// <summary>How often the database is probed while the gate is closed.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// A circuit breaker for consumption, one per service (every consumer of it writes to the same
/// PostgreSQL). The first message that fails because PostgreSQL is unavailable closes the gate: every
/// message then waits at <see cref="OutageGateFilter"/> (or in <see cref="RunAsync"/>) instead of
/// failing, so no retry runs out and nothing reaches `_error`, and the endpoint takes no more messages
/// than its prefetch (the rest stay in the queue). The gate probes the database and opens once it
/// answers; the waiting messages go on in their partitions' order.
/// Why not stop the receive endpoint (or MassTransit's kill switch, which does that): a stopped
/// endpoint first waits for its in-flight messages, and those it hands back are redelivered in an
/// order the broker chooses, which broke per-prediction order; the kill switch also restarts on a
/// timer, blind to the database. Held messages survive a restart or a broker consumer timeout too:
/// they are redelivered and the processed-message record makes the second copy a no-op.
/// </summary>
// The store is resolved when first probed, not injected: endpoints are configured while the bus is built, which
// can happen inside the store's own construction (a Marten subscription that publishes), a cycle in DI.
public sealed class ConsumptionGate(IServiceProvider services, IOptions<ConsumptionGateOptions> options, ILogger<ConsumptionGate> logger)
    : BackgroundService
{
    private readonly object _lock = new();
    private TaskCompletionSource _open = Opened();
    private readonly SemaphoreSlim _tripped = new(0, 1);
    private Exception? _cause;

    public bool IsOpen => _open.Task.IsCompleted;

    public Task WaitOpenAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);

    /// <summary>Closes the gate because of <paramref name="cause"/> (a database outage); the probe loop opens it again.</summary>
    public void Trip(Exception cause)
    {
        lock (_lock)
        {
            if (!_open.Task.IsCompleted)
            {
                return;
            }
            _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _cause = cause;
        }
        try
        {
            _tripped.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>
    /// A message that still fails as if the database were down although the gate's probe gets answers
    /// (a fault of its own that looks like an outage) gives up after this many rounds and takes the
    /// ordinary failure path.
    /// </summary>
    private const int MaxRoundsWhileAnswering = 100;

    /// <summary>
    /// Runs <paramref name="work"/> once the gate is open; a failure that means the database is
    /// unavailable closes the gate and runs it again, in its place, once the database answers.
    /// The work must be idempotent (every consumer here is, by message or development id).
    /// </summary>
    public async Task RunAsync(Func<Task> work, CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            await WaitOpenAsync(cancellationToken);
            try
            {
                await work();
                return;
            }
            catch (Exception ex) when (DatabaseOutage.IsOutage(ex) && round < MaxRoundsWhileAnswering && !cancellationToken.IsCancellationRequested)
            {
                Trip(ex);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _tripped.WaitAsync(stoppingToken);
                logger.LogWarning("PostgreSQL is unavailable ({Reason}): consumption is paused until it answers again", _cause?.GetBaseException().Message);
                var probes = 0;
                while (!await AnswersAsync(stoppingToken))
                {
                    if (++probes % 30 == 0)
                    {
                        logger.LogWarning("PostgreSQL still unavailable after {Probes} probes; consumption stays paused", probes);
                    }
                    await Task.Delay(options.Value.ProbeInterval, stoppingToken);
                }
                lock (_lock)
                {
                    _open.TrySetResult();
                }
                logger.LogInformation("PostgreSQL answers again: consumption resumed");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = services.GetRequiredService<IDocumentStore>().Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "select 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug(ex, "PostgreSQL probe failed");
            return false;
        }
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}

/// <summary>
/// The gate as a filter on a receive endpoint: a message waits here while the gate is closed, and a
/// message that fails because the database is unavailable closes the gate and tries again once it
/// opens, in its place (so per-prediction order holds). Put it inside the endpoint's retry filter.
/// </summary>
public sealed class OutageGateFilter(ConsumptionGate gate) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
        gate.RunAsync(() => next.Send(context), context.CancellationToken);

    public void Probe(ProbeContext context) => context.CreateFilterScope("outageGate");
}
