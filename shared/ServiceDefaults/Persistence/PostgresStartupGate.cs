using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PolicyTracker.ServiceDefaults.Persistence;

/// <summary>
/// Waits for PostgreSQL before the rest of the host starts, logging one clear line per attempt,
/// and gives up with a single message naming the server instead of a loop of stack traces.
/// </summary>
internal sealed class PostgresStartupGate(string connectionString, IConfiguration configuration, ILogger<PostgresStartupGate> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
