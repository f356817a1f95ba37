using System.Threading.Channels;
using Marten;

namespace PolicyTracker.Notifications.Deliveries;

/// <summary>
/// Records attempt outcomes in batches, one transaction per batch rather than per delivery: a
/// fan-out to thousands of subscribers settles at the database's batch speed. An outcome lost to a
/// failed write is not lost in effect: its claim lapses and the delivery is sent again with the
/// same webhook-id, which receivers de-duplicate.
/// </summary>
public sealed class DeliveryOutcomeWriter(IDocumentStore store, DeliveryWakeup wakeup, ILogger<DeliveryOutcomeWriter> logger) : BackgroundService
{
    private const int MaxBatch = 1000;
    private readonly Channel<Delivery> _outcomes = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> _unwritten = new();

    /// <summary>Deliveries whose outcome is known but not yet written: their claims must not lapse meanwhile.</summary>
    public ICollection<Guid> Unwritten => _unwritten.Keys;

    public void Record(Delivery delivery)
    {
        _unwritten[delivery.Id] = true;
        if (!_outcomes.Writer.TryWrite(delivery))
        {
            logger.LogWarning("Delivery {DeliveryId} finished during shutdown; its claim lapses and it is retried", delivery.Id);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _outcomes.Reader.WaitToReadAsync(stoppingToken))
            {
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _outcomes.Writer.TryComplete();
            await FlushAsync(CancellationToken.None);
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new Dictionary<Guid, Delivery>();
        while (batch.Count < MaxBatch && _outcomes.Reader.TryRead(out var delivery))
        {
            batch[delivery.Id] = delivery;
        }
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            await using var session = store.LightweightSession();
            session.Store(batch.Values.ToArray());
            await session.SaveChangesAsync(cancellationToken);
            wakeup.Signal();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Recording {Count} delivery outcomes failed; their claims lapse and they are retried", batch.Count);
        }
        finally
        {
            foreach (var id in batch.Keys)
            {
                _unwritten.TryRemove(id, out _);
            }
        }
    }
}
