using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.FanningOut;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

/// <summary>An instance of its own: these tests take its database and broker away.</summary>
public sealed class OutageFixture : NotificationsFixture;

[CollectionDefinition(Name)]
public sealed class OutageCollection : ICollectionFixture<OutageFixture>
{
    public const string Name = "notifications-outages";
}

[Collection(OutageCollection.Name)]
public sealed class OutageTests(OutageFixture fixture)
{
    private async Task<long> UnacknowledgedAsync()
    {
        var queue = await fixture.Infrastructure.QueueAsync(PredictionEventsEndpoint.Name);
        return queue.TryGetProperty("messages_unacknowledged", out var n) ? n.GetInt64() : 0;
    }

    [Fact]
    public async Task An_event_consumed_while_PostgreSQL_is_down_is_delivered_once_it_is_back()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.Infrastructure.StopPostgresAsync();
        try
        {
            await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));
            // The consumer holds the message and retries while the database is away.
            await Eventually.True(async () => await UnacknowledgedAsync() >= 1, "the consumer to hold the message", TimeSpan.FromSeconds(20));
            receiver.Received.ShouldBeEmpty();
        }
        finally
        {
            await fixture.Infrastructure.StartPostgresAsync();
        }

        await Eventually.True(() => Task.FromResult(receiver.Received.Count == 1), "the webhook after the outage", TimeSpan.FromSeconds(60));
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the delivery recorded", TimeSpan.FromSeconds(30));
        receiver.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task After_a_broker_outage_the_consumers_reconnect_and_deliver()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.Infrastructure.StopRabbitAsync();
        await fixture.Infrastructure.StartRabbitAsync();

        var bus = fixture.Factory.Services.GetRequiredService<IBus>();
        var version = 10L;
        await Eventually.True(async () =>
        {
            if (receiver.Received.Count > 0)
            {
                return true;
            }
            // Until the bus has reconnected a publish fails or times out; each success is a new version.
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await bus.Publish(NotificationsFixture.StatusChanged(predictionId, version: version++), c => c.MessageId = Guid.NewGuid(), attempt.Token);
            }
            catch (Exception ex) when (ex is not ShouldAssertException)
            {
            }
            return false;
        }, "a webhook after the broker came back", TimeSpan.FromSeconds(60));
    }
}
