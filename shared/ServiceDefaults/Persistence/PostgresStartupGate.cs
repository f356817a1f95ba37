using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PolicyTracker.ServiceDefaults.Persistence;

/// <summary>
/// Waits for PostgreSQL before the rest of the host starts, logging one clear line per attempt,
/// and gives up with a single message naming the server instead of a loop of stack traces.
/// It waits in StartingAsync, which the host runs before any hosted service's StartAsync
/// (Marten applies its schema in one of those).
/// </summary>
internal sealed class PostgresStartupGate(string connectionString, IConfiguration configuration, ILogger<PostgresStartupGate> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var where = $"{target.Host}:{target.Port}/{target.Database}";
        var deadline = DateTime.UtcNow.AddSeconds(configuration.GetValue("Startup:DependencyTimeoutSeconds", 60));
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    StartupFailure.Exit($"PostgreSQL at {where} (ConnectionStrings:postgres) is unreachable: {ex.Message}");
                }
                logger.LogWarning("Waiting for PostgreSQL at {Target} (ConnectionStrings:postgres): {Reason}", where, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
