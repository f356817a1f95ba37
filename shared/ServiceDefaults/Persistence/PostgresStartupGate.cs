using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;

namespace PolicyTracker.ServiceDefaults.Persistence;

/// <summary>
/// Gets PostgreSQL ready before the rest of the host starts: waits for the first connection, then
/// applies Marten's schema, retrying both with back-off and one log line per attempt while the failure
/// is transient (server down, starting up or shutting down, a connection ended by a restart). A
/// configuration error (wrong password, missing database) exits at once with one clear line.
/// It runs in StartingAsync, which the host runs before any hosted service's StartAsync, so the
/// daemon, the seeders and the bus find the schema in place. This replaces Marten's
/// ApplyAllDatabaseChangesOnStartup, which makes one attempt and fails the host on a restart.
/// </summary>
internal sealed class PostgresStartupGate(string connectionString, IServiceProvider services, IOptions<StartupOptions> startup, ILogger<PostgresStartupGate> logger)
    : IHostedLifecycleService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var where = $"{target.Host}:{target.Port}/{target.Database}";
        // 0 (the default) waits as long as it takes: a transient outage never ends the process.
        var limit = startup.Value.DependencyTimeoutSeconds;
        var deadline = limit > 0 ? DateTime.UtcNow.AddSeconds(limit) : DateTime.MaxValue;

        await RetryAsync("Waiting for PostgreSQL", where, deadline, async () =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
        }, cancellationToken);

        var store = services.GetRequiredService<IDocumentStore>();
        var database = (DatabaseBase<NpgsqlConnection>)store.Storage.Database;
        var options = ((DocumentStore)store).Options;
        var migrationLock = new MigrationLock(options.ApplyChangesLockId, options.ApplyChangesLockTimeout);
        await RetryAsync("Applying the database schema", where, deadline,
            () => database.ApplyAllConfiguredChangesToDatabaseAsync(migrationLock, null, null, cancellationToken), cancellationToken);
    }

    private async Task RetryAsync(string what, string where, DateTime deadline, Func<Task> attempt, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var number = 1; ; number++)
        {
            try
            {
                await attempt();
                if (number > 1)
                {
                    logger.LogInformation("{What} at {Target} succeeded on attempt {Attempt}", what, where, number);
                }
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && TransientDatabaseErrors.IsTransient(ex))
            {
                if (DateTime.UtcNow > deadline)
                {
                    StartupFailure.Exit($"PostgreSQL at {where} (ConnectionStrings:postgres) is unreachable: {ex.Message}");
                }
                logger.LogWarning("{What} at {Target} (ConnectionStrings:postgres), attempt {Attempt} failed: {Reason}. Next attempt in {Delay:0.#} s",
                    what, where, number, Reason(ex), delay.TotalSeconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword
                or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName)
            {
                StartupFailure.Exit($"PostgreSQL at {where} (ConnectionStrings:postgres) refused the connection: {ex.MessageText}");
            }
        }
    }

    private static string Reason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && inner is not PostgresException)
        {
            inner = inner.InnerException;
        }
        return inner is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : ex.Message;
    }

    /// <summary>The advisory lock Marten's own start-up migration takes, so two instances never migrate at once.</summary>
    private sealed class MigrationLock(int lockId, TimeSpan timeout) : IGlobalLock<NpgsqlConnection>
    {
        public async Task<AttainLockResult> TryAttainLock(NpgsqlConnection conn, CancellationToken ct = default)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var result = await conn.TryGetGlobalLock(lockId, ct);
                if (result.Succeeded || result.ShouldReconnect || DateTime.UtcNow >= deadline)
                {
                    return result;
                }
                await Task.Delay(100, ct);
            }
        }

        public Task ReleaseLock(NpgsqlConnection conn, CancellationToken ct = default) => conn.ReleaseGlobalLock(lockId, ct);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Which database failures clear on their own: an outage (<see cref="DatabaseOutage"/>), the driver's
/// own I/O failure (the server closed the connection), and what JasperFx's classifier calls transient
/// (what the daemon reports as a transient shard failure).
/// </summary>
public static class TransientDatabaseErrors
{
    public static bool IsTransient(Exception exception)
    {
        if (DatabaseOutage.IsOutage(exception))
        {
            return true;
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { InnerException: null } and not PostgresException)
            {
                return true;
            }
        }
        return TransientFailures.IsTransient(exception);
    }
}
