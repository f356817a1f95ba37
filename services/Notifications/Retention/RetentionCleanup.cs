using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace PolicyTracker.Notifications.Retention;

/// <summary>
/// Removes what has served its purpose, in small batches, on every instance (SKIP LOCKED keeps
/// instances off each other's rows): delivered deliveries after <see cref="RetentionOptions.Delivered"/>,
/// dead ones after <see cref="RetentionOptions.Dead"/> (a redelivered one is pending again and stays),
/// processed-message records after <see cref="RetentionOptions.ProcessedMessages"/>. Pending and failed
/// deliveries are never removed.
/// </summary>
public sealed class RetentionCleanup(IDocumentStore store, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionCleanup> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Retention cleanup failed; trying again in {Interval}", options.Value.Interval);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var schema = store.Options.DatabaseSchemaName;
        // A settled delivery's next_attempt_at is when its last attempt was due: when it settled, within one attempt's timeout.
        var delivered = await DeleteAsync($"{schema}.mt_doc_delivery", "state = 'delivered' and next_attempt_at < @cutoff", now - o.Delivered, cancellationToken);
        var dead = await DeleteAsync($"{schema}.mt_doc_delivery", "state = 'dead' and next_attempt_at < @cutoff", now - o.Dead, cancellationToken);
        var processed = await DeleteAsync($"{schema}.mt_doc_processedmessage", "processed_at < @cutoff", now - o.ProcessedMessages, cancellationToken);
        if (delivered + dead + processed > 0)
        {
            logger.LogInformation("Retention removed {Delivered} delivered and {Dead} dead deliveries and {Processed} processed-message records",
                delivered, dead, processed);
        }
    }

    private async Task<int> DeleteAsync(string table, string condition, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var batch = options.Value.BatchSize;
        var total = 0;
        while (true)
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                $"delete from {table} where id in (select id from {table} where {condition} limit @batch for update skip locked)", connection);
            command.Parameters.AddWithValue("cutoff", cutoff);
            command.Parameters.AddWithValue("batch", batch);
            var removed = await command.ExecuteNonQueryAsync(cancellationToken);
            total += removed;
            if (removed < batch)
            {
                return total;
            }
        }
    }
}
