using Marten;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.FanningOut;

namespace PolicyTracker.Notifications.Tests;

/// <summary>
/// Issue 10, item 10: delivered deliveries and processed-message records go after their retention
/// period, dead deliveries after theirs, in small batches; recent ones stay.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Old_settled_deliveries_and_processed_records_are_removed_in_batches_and_recent_ones_stay()
    {
        await using var infrastructure = await IsolatedInfrastructure.CreateAsync("notifretain");
        await using var factory = new ServiceFactory<Program>(infrastructure, new Dictionary<string, string?>
        {
            // Frequent runs and tiny batches, so one run needs several batches; the default periods.
            ["Retention:Interval"] = "00:00:00.300",
            ["Retention:BatchSize"] = "3",
            ["Predictions:CatalogRequestTimeout"] = "00:00:01",
        });
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var now = DateTimeOffset.UtcNow;

        Delivery Settled(string state, TimeSpan age) => new()
        {
            Id = Guid.NewGuid(), EventId = Guid.NewGuid(), SubscriptionId = Guid.NewGuid(), Owner = "retention-test", Channel = "webhook",
            Target = "http://127.0.0.1:9/hook", Type = "status-changed", PredictionId = "p-retention", Version = 1, Body = "{}",
            RecordedAt = now - age, CreatedAt = now - age, State = state, Attempts = 1, NextAttemptAt = now - age,
            DeliveredAt = state == DeliveryStates.Delivered ? now - age : null,
        };

        var oldDelivered = Enumerable.Range(0, 8).Select(_ => Settled(DeliveryStates.Delivered, TimeSpan.FromDays(31))).ToList();
        var recentDelivered = Enumerable.Range(0, 2).Select(_ => Settled(DeliveryStates.Delivered, TimeSpan.FromDays(29))).ToList();
        var oldDead = Enumerable.Range(0, 4).Select(_ => Settled(DeliveryStates.Dead, TimeSpan.FromDays(91))).ToList();
        // Dead for longer than a delivered one is kept, but not yet 90 days: still waiting to be redelivered.
        var recentDead = Enumerable.Range(0, 2).Select(_ => Settled(DeliveryStates.Dead, TimeSpan.FromDays(45))).ToList();
        var oldProcessed = Enumerable.Range(0, 7).Select(_ => new ProcessedMessage { Id = Guid.NewGuid(), MessageType = "PredictionStatusChanged", ProcessedAt = now - TimeSpan.FromDays(31) }).ToList();
        var recentProcessed = Enumerable.Range(0, 2).Select(_ => new ProcessedMessage { Id = Guid.NewGuid(), MessageType = "PredictionStatusChanged", ProcessedAt = now - TimeSpan.FromDays(1) }).ToList();
        await using (var session = store.LightweightSession())
        {
            session.Store([.. oldDelivered, .. recentDelivered, .. oldDead, .. recentDead]);
            session.Store([.. oldProcessed, .. recentProcessed]);
            await session.SaveChangesAsync();
        }

        async Task<(int Deliveries, int Processed)> OldLeft()
        {
            await using var session = store.QuerySession();
            var deliveryIds = oldDelivered.Concat(oldDead).Select(d => d.Id).ToArray();
            var processedIds = oldProcessed.Select(m => m.Id).ToArray();
            return ((await session.LoadManyAsync<Delivery>(deliveryIds)).Count, (await session.LoadManyAsync<ProcessedMessage>(processedIds)).Count);
        }
        await Eventually.Get(OldLeft, left => left == (0, 0), "the old rows to be removed");

        await using var query = store.QuerySession();
        (await query.LoadManyAsync<Delivery>(recentDelivered.Concat(recentDead).Select(d => d.Id).ToArray())).Count.ShouldBe(4);
        (await query.LoadManyAsync<ProcessedMessage>(recentProcessed.Select(m => m.Id).ToArray())).Count.ShouldBe(2);
    }
}
