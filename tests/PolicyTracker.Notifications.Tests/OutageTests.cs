using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
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
    private static readonly HttpClient Management = CreateManagement();

    private static HttpClient CreateManagement()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{LocalInfrastructure.RabbitManagementPort}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));
        return client;
    }

    private async Task<JsonElement> QueueAsync(string name)
    {
        var response = await Management.GetAsync($"/api/queues/{fixture.Infrastructure.Name}/{name}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static long Count(JsonElement queue, string property) =>
        queue.ValueKind == JsonValueKind.Object && queue.TryGetProperty(property, out var n) ? n.GetInt64() : 0;

    /// <summary>
    /// Issue 10, item 9: the outage lasts this long (PT_OUTAGE_SECONDS, default 4 minutes), longer than the
    /// in-memory retries (12 exponential, about 212 s) after which a message used to go to `_error`.
    /// </summary>
    private static TimeSpan OutageLength =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("PT_OUTAGE_SECONDS"), out var s) ? s : 240);

    [Fact]
    public async Task During_a_long_PostgreSQL_outage_consumption_stops_nothing_goes_to_error_and_everything_is_delivered_afterwards()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });
        var errorQueue = PredictionEventsEndpoint.Name + "_error";

        var outageStarted = DateTime.UtcNow;
        await fixture.Infrastructure.StopPostgresAsync();
        try
        {
            for (var version = 1; version <= 3; version++)
            {
                await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: version));
            }
            // The first failure stops the endpoint: its consumer leaves the queue and the messages wait there, unacknowledged by no one.
            await Eventually.Get(async () =>
            {
                var queue = await QueueAsync(PredictionEventsEndpoint.Name);
                return (Consumers: Count(queue, "consumers"), Ready: Count(queue, "messages_ready"), Unacknowledged: Count(queue, "messages_unacknowledged"));
            }, q => q == (0, 3, 0), "consumption to stop with the three messages back in the queue", TimeSpan.FromSeconds(60));

            // The outage goes on; the messages must stay in the queue all the while, not reach `_error`.
            while (DateTime.UtcNow - outageStarted < OutageLength)
            {
                Count(await QueueAsync(errorQueue), "messages").ShouldBe(0);
                Count(await QueueAsync(PredictionEventsEndpoint.Name), "messages").ShouldBe(3);
                receiver.Received.ShouldBeEmpty();
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
        }
        finally
        {
            await fixture.Infrastructure.StartPostgresAsync();
        }

        await Eventually.True(() => Task.FromResult(receiver.Received.Count >= 3), "the three webhooks after the outage", TimeSpan.FromSeconds(60));
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is { Length: 3 } d
            && d.All(x => x.GetProperty("state").GetString() == "delivered"), "the deliveries recorded", TimeSpan.FromSeconds(30));
        receiver.Received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("version").GetInt64()).ShouldBe([1L, 2L, 3L]);
        Count(await QueueAsync(errorQueue), "messages").ShouldBe(0);
        // Consumption is back: the consumer is on the queue again.
        await Eventually.True(async () => Count(await QueueAsync(PredictionEventsEndpoint.Name), "consumers") >= 1, "the consumer back on the queue");
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
