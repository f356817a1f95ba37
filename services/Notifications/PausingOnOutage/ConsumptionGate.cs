using System.Collections.Concurrent;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace PolicyTracker.Notifications.PausingOnOutage;

public sealed class ConsumptionGateOptions
{
    public const string Section = "Messaging:Outage";

    /// <summary>How often the database is probed while consumption is paused.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// A circuit breaker for consumption: the first message that fails because PostgreSQL is
/// unavailable stops the receive endpoints that need it; messages that fail for that reason go back
/// to the queue (<see cref="RequeueOnOutageFilter"/>), not to `_error`.
/// The gate probes the database and starts the endpoints again once it answers. An outage of any
/// length therefore leaves every message in its queue: none waits in `_error` for a human.
/// MassTransit's own kill switch restarts on a timer, blind to the database, and a restart into a
/// still-absent database would fail messages again; this one restarts on the database's answer.
/// </summary>
public sealed class ConsumptionGate(IDocumentStore store, IOptions<ConsumptionGateOptions> options, ILogger<ConsumptionGate> logger)
    : BackgroundService, IReceiveEndpointObserver
{
    /// <summary>The endpoints whose consumers write to PostgreSQL.</summary>
    public static readonly HashSet<string> Guarded = [FanningOut.PredictionEventsEndpoint.Name];

    private readonly ConcurrentDictionary<Uri, IReceiveEndpoint> _endpoints = new();
    private readonly SemaphoreSlim _tripped = new(0, 1);
    private Exception? _cause;

    public bool Paused { get; private set; }

    /// <summary>Called by the endpoint's filter for every failed attempt; only an outage trips the gate.</summary>
    public void Observe(Exception exception)
    {
        if (Paused || !DatabaseOutage.IsOutage(exception))
        {
            return;
        }
        _cause = exception;
        try
        {
            _tripped.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _tripped.WaitAsync(stoppingToken);
                Paused = true;
                logger.LogWarning("PostgreSQL is unavailable ({Reason}): consumption on {Endpoints} stops until it answers again",
                    _cause?.GetBaseException().Message, string.Join(", ", _endpoints.Keys));
                await Task.WhenAll(_endpoints.Values.Select(e => e.Stop(stoppingToken)));
                logger.LogInformation("Consumption stopped");
                var attempts = 0;
                while (!await AnswersAsync(stoppingToken))
                {
                    if (++attempts % 15 == 0)
                    {
                        logger.LogWarning("PostgreSQL still unavailable; consumption stays stopped ({Attempts} probes)", attempts);
                    }
                    await Task.Delay(options.Value.ProbeInterval, stoppingToken);
                }
                foreach (var endpoint in _endpoints.Values)
                {
                    endpoint.Start(stoppingToken);
                }
                Paused = false;
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
            await using var connection = store.Storage.Database.CreateConnection();
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

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (Guarded.Contains(ready.InputAddress.AbsolutePath.Split('/').Last()))
        {
            _endpoints[ready.InputAddress] = ready.ReceiveEndpoint;
        }
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;
    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;
    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
}

/// <summary>Sits inside the retry filter, so it sees every failed attempt and tells the gate.</summary>
public sealed class OutageObservingFilter(ConsumptionGate gate) : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        try
        {
            await next.Send(context);
        }
        catch (Exception ex)
        {
            gate.Observe(ex);
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("outageObserver");
}

/// <summary>
/// First in the error pipe: a message that failed because the database is unavailable is handed back
/// to the broker (the transport negatively acknowledges it and it is redelivered later) instead of
/// being moved to `_error`; every other failure goes on to the usual fault and error-queue filters.
/// </summary>
public sealed class RequeueOnOutageFilter : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (DatabaseOutage.IsOutage(context.Exception))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(context.Exception).Throw();
        }
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requeueOnOutage");
}
