using System.Collections.Concurrent;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

/// <summary>
/// Issue 10, item 8: claims are short and renewed by a heartbeat while their work is unfinished, so a
/// live worker keeps what it is sending however long the receiver takes, and only a dead one's claims lapse.
/// </summary>
public sealed class ClaimLeaseTests
{
    [Fact]
    public async Task A_send_that_outlasts_the_lease_is_not_taken_by_another_instance()
    {
        await using var infrastructure = await IsolatedInfrastructure.CreateAsync("notiflease");
        var consumed = new ConcurrentDictionary<Guid, int>();
        // A lease far shorter than the receiver's answer: only renewals keep the claim.
        var settings = TwoInstancesFixture.Settings(claimLease: "00:00:03");
        await using var first = await TwoInstancesFixture.StartAsync(infrastructure, settings, consumed);
        await using var second = await TwoInstancesFixture.StartAsync(infrastructure, settings, consumed);
        await using var receiver = await WebhookReceiver.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (_, _) =>
        {
            await release.Task;
            return Results.Ok();
        };
        using var client = NotificationsFixture.ClientOf(first);
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() },
            new { predictionIds = new[] { predictionId } });

        await first.Services.GetRequiredService<IBus>().Publish(NotificationsFixture.StatusChanged(predictionId), c => c.MessageId = Guid.NewGuid());
        await Eventually.True(() => Task.FromResult(receiver.Received.Count >= 1), "the webhook to be in flight");
        // Four leases pass while the receiver holds the request; both workers poll all the while.
        var heldSince = DateTime.UtcNow;
        await Eventually.True(() => Task.FromResult(DateTime.UtcNow - heldSince > TimeSpan.FromSeconds(12) || receiver.Received.Count > 1),
            "four leases to pass", TimeSpan.FromSeconds(20));
        receiver.Received.Count.ShouldBe(1);
        release.SetResult();

        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the delivery recorded");
        receiver.Received.Count.ShouldBe(1);
    }
}
