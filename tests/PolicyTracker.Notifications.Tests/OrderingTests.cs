using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

/// <summary>
/// Issue 10, item 7 (the Notifications half): events that reach the queue in a prediction's stream
/// order leave as webhooks in that order, for every subscriber, even while receivers answer slowly
/// or fail now and then.
/// </summary>
[Collection(NotificationsCollection.Name)]
public sealed class OrderingTests(NotificationsFixture fixture)
{
    [Fact]
    public async Task Webhooks_of_one_prediction_arrive_in_version_order_per_subscription()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Uneven answers: some slow, some failing once, so sends of one prediction would overtake each other if allowed.
        receiver.Respond = async (request, n) =>
        {
            if (n % 7 == 0)
            {
                await Task.Delay(50);
            }
            return n % 11 == 0 ? Results.StatusCode(503) : Results.Ok();
        };
        using var client = fixture.Client();
        string[] predictions = [NotificationsFixture.NewPredictionId(), NotificationsFixture.NewPredictionId(), NotificationsFixture.NewPredictionId()];
        for (var i = 0; i < 3; i++)
        {
            await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url($"/order/{i}").ToString() },
                new { predictionIds = predictions });
        }

        const int versions = 60;
        var bus = fixture.Factory.Services.GetRequiredService<IBus>();
        // Published one after another, each confirmed before the next: the queue holds them in stream order.
        for (var v = 1; v <= versions; v++)
        {
            foreach (var p in predictions)
            {
                await bus.Publish(NotificationsFixture.StatusChanged(p, version: v), c => c.MessageId = Guid.NewGuid());
            }
        }

        await Eventually.True(() => Task.FromResult(receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct().Count() >= 3 * 3 * versions),
            "every webhook", TimeSpan.FromSeconds(120));
        var outOfOrder = new List<string>();
        foreach (var stream in receiver.Received.GroupBy(r => (r.Path, Prediction: Field(r.Body, "predictionId"))))
        {
            var last = 0L;
            foreach (var version in stream.Select(r => long.Parse(Field(r.Body, "version"))))
            {
                // A retried webhook repeats its own version; an earlier one after a later one is out of order.
                if (version < last)
                {
                    outOfOrder.Add($"{stream.Key}: v{version} after v{last}");
                }
                last = Math.Max(last, version);
            }
        }
        outOfOrder.ShouldBeEmpty();
    }

    private static string Field(string body, string name) =>
        System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty(name).ToString();
}
