using System.Collections.Concurrent;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using PolicyTracker.Notifications.DeliveringEmail;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.Deliveries;

/// <summary>
/// Claims due deliveries in batches (FOR UPDATE SKIP LOCKED plus a short lease, renewed by a
/// heartbeat while the work is unfinished, so several instances never take the same one and a
/// crashed instance's claims come back within seconds) and sends them in parallel.
/// A delivery waits while an earlier version for the same subscription and prediction is unsettled (or
/// an earlier alert of the same version: a threshold crossed before it), so each subscriber hears a
/// prediction's moves in order.
/// </summary>
public sealed class DeliveryWorker(
    IDocumentStore store, WebhookSender webhooks, EmailSender email, DeliveryOutcomeWriter outcomes, NotificationsMetrics metrics, DeliveryWakeup wakeup,
    IOptions<WebhookOptions> options, TimeProvider time, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxParallelSends);
    private readonly ConcurrentDictionary<Guid, bool> _inFlight = new();

    /// <summary>
    /// On a graceful stop, claims of sends that were cut short are released so another instance (or
    /// this one restarted) takes them at once; after a crash they come back when the lease lapses.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Cancelled sends end quickly; let them finish so only the truly unfinished are released.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (_slots.CurrentCount < options.Value.MaxParallelSends && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }
        var unfinished = _inFlight.Keys.ToArray();
        if (unfinished.Length == 0)
        {
            return;
        }
        try
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                $"update {store.Options.DatabaseSchemaName}.mt_doc_delivery set claimed_until = null where id = any(@ids)", connection);
            command.Parameters.AddWithValue("ids", unfinished);
            await command.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Released {Count} unfinished delivery claims on shutdown", unfinished.Length);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Releasing {Count} delivery claims failed; they come back when their lease lapses", unfinished.Length);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ClaimAndSendAsync(stoppingToken), RenewClaimsAsync(stoppingToken));

    /// <summary>
    /// The heartbeat: extends the lease of every claim this instance still works on (sending, or its
    /// outcome not yet written). A claim whose outcome is already written (claimed_until null) is left alone.
    /// </summary>
    private async Task RenewClaimsAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(o.Heartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var held = _inFlight.Keys.Concat(outcomes.Unwritten).Distinct().ToArray();
                if (held.Length == 0)
                {
                    continue;
                }
                try
                {
                    await using var connection = store.Storage.Database.CreateConnection();
                    await connection.OpenAsync(stoppingToken);
                    await using var command = new NpgsqlCommand(
                        $"update {store.Options.DatabaseSchemaName}.mt_doc_delivery set claimed_until = @until where id = any(@ids) and claimed_until is not null",
                        connection);
                    command.Parameters.AddWithValue("until", time.GetUtcNow() + o.ClaimLease);
                    command.Parameters.AddWithValue("ids", held);
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Renewing {Count} delivery claims failed; retrying at the next heartbeat", held.Length);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ClaimAndSendAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                // A whole batch, not just as many as there are free slots: claiming a handful each time a
                // send finishes made a fan-out to thousands wait on one claim query per few deliveries.
                // Claimed deliveries wait for a slot in SendAllAsync, their leases renewed by the heartbeat.
                var ids = await ClaimAsync(o.ClaimBatchSize, stoppingToken);
                claimed = ids.Count;
                if (ids.Count > 0)
                {
                    await SendAllAsync(ids, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Claiming deliveries failed; retrying after the poll interval");
            }
            // A full batch means more may be due now.
            if (claimed > 0 && claimed == o.ClaimBatchSize)
            {
                continue;
            }
            try
            {
                await wakeup.WaitAsync(o.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<List<Guid>> ClaimAsync(int count, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var table = $"{store.Options.DatabaseSchemaName}.mt_doc_delivery";
        var sql = $"""
            update {table} d set claimed_until = @until
            where d.id in (
                select c.id from {table} c
                where c.state in ('pending', 'failed') and c.next_attempt_at <= @now
                  and (c.claimed_until is null or c.claimed_until < @now)
                  and not exists (
                      select 1 from {table} p
                      where p.subscription_id = c.subscription_id and p.prediction_id = c.prediction_id
                        and (p.version < c.version
                             or (p.version = c.version and coalesce(p.sequence_in_version, 0) < coalesce(c.sequence_in_version, 0)))
                        and p.state in ('pending', 'failed'))
                order by c.next_attempt_at
                limit @count
                for update skip locked)
            returning d.id
            """;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("until", now + options.Value.ClaimLease);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("count", count);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    private async Task SendAllAsync(List<Guid> ids, CancellationToken stoppingToken)
    {
        List<Delivery> deliveries;
        Dictionary<Guid, Subscription> subscriptions;
        await using (var session = store.QuerySession())
        {
            deliveries = [.. await session.LoadManyAsync<Delivery>(stoppingToken, ids)];
            var subscriptionIds = deliveries.Select(d => d.SubscriptionId).Distinct().ToArray();
            subscriptions = (await session.LoadManyAsync<Subscription>(stoppingToken, subscriptionIds)).ToDictionary(s => s.Id);
        }
        // Held from the claim on, so the heartbeat renews claims still waiting for a send slot.
        foreach (var delivery in deliveries)
        {
            _inFlight[delivery.Id] = true;
        }
        foreach (var delivery in deliveries)
        {
            await _slots.WaitAsync(stoppingToken);
            _inFlight[delivery.Id] = true;
            _ = Task.Run(async () =>
            {
                var finished = false;
                try
                {
                    await AttemptAsync(delivery, subscriptions.GetValueOrDefault(delivery.SubscriptionId), stoppingToken);
                    finished = true;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // Shutting down: StopAsync releases the claim so another worker (or this one restarted) finishes it.
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Delivery {DeliveryId} failed unexpectedly; it is retried when its claim lapses", delivery.Id);
                }
                finally
                {
                    if (finished || !stoppingToken.IsCancellationRequested)
                    {
                        _inFlight.TryRemove(delivery.Id, out _);
                    }
                    _slots.Release();
                    wakeup.Signal();
                }
            }, CancellationToken.None);
        }
    }

    private async Task AttemptAsync(Delivery delivery, Subscription? subscription, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        if (subscription is null || subscription.Disabled)
        {
            delivery.State = DeliveryStates.Dead;
            delivery.LastError = subscription is null ? "The subscription was deleted." : "The subscription is disabled.";
            delivery.ClaimedUntil = null;
            outcomes.Record(delivery);
            metrics.Dead(delivery.Channel);
            return;
        }

        metrics.Attempted(delivery.Channel);
        var result = delivery.Channel == ChannelTypes.Email
            ? await email.SendAsync(delivery, cancellationToken)
            : await webhooks.SendAsync(delivery, subscription, cancellationToken);
        var finished = time.GetUtcNow();
        delivery.Attempts++;
        var decision = AttemptOutcome.Decide(result, delivery.Attempts, o.Schedule, finished, o.Jitter, Random.Shared.NextDouble(), o.MaxRetryAfter);
        delivery.State = decision.State;
        delivery.LastStatusCode = result.StatusCode;
        delivery.LastError = result.Error;
        delivery.LastAttemptAt = now;
        delivery.ClaimedUntil = null;
        if (decision.NextAttemptAt is { } next)
        {
            delivery.NextAttemptAt = next;
        }
        if (decision.State == DeliveryStates.Delivered)
        {
            delivery.DeliveredAt = finished;
        }

        if (decision.DisableSubscription)
        {
            // The receiver said 410 Gone: stop sending to it at all.
            await using var session = store.LightweightSession();
            session.Store(delivery);
            var current = await session.LoadAsync<Subscription>(subscription.Id, cancellationToken);
            if (current is not null)
            {
                current.Disabled = true;
                current.DisabledReason = $"The endpoint answered 410 Gone at {finished:O}.";
                session.Store(current);
            }
            await session.SaveChangesAsync(cancellationToken);
        }
        else
        {
            outcomes.Record(delivery);
        }

        switch (decision.State)
        {
            case DeliveryStates.Delivered:
                metrics.Delivered(delivery.Channel, finished - delivery.RecordedAt);
                break;
            case DeliveryStates.Dead:
                metrics.Dead(delivery.Channel);
                logger.LogWarning("Delivery {DeliveryId} to {Target} is dead after {Attempts} attempt(s): {Status} {Error}",
                    delivery.Id, delivery.Target, delivery.Attempts, result.StatusCode, result.Error);
                break;
            default:
                metrics.Failed(delivery.Channel);
                break;
        }
    }
}
