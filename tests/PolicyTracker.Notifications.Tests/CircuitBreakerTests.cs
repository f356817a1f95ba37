using Microsoft.AspNetCore.Http;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

/// <summary>A breaker that opens after two failures, so a test can see it open.</summary>
public sealed class CircuitBreakerFixture : NotificationsFixture
{
    protected override Dictionary<string, string?> Settings(int smtpPort)
    {
        var settings = base.Settings(smtpPort);
        settings["Webhooks:RetrySchedule:5"] = "00:00:00.200";
        settings["Webhooks:CircuitBreakerMinimumThroughput"] = "2";
        settings["Webhooks:CircuitBreakerFailureRatio"] = "0.5";
        settings["Webhooks:CircuitBreakerBreakDuration"] = "00:01:00";
        return settings;
    }
}

public sealed class CircuitBreakerTests(CircuitBreakerFixture fixture) : IClassFixture<CircuitBreakerFixture>
{
    [Fact]
    public async Task A_failing_endpoint_trips_its_own_breaker_and_no_one_elses()
    {
        await using var failing = await WebhookReceiver.StartAsync();
        failing.Respond = (_, _) => Task.FromResult(Results.StatusCode(500));
        await using var healthy = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (failingSubscription, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = failing.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));
        var dead = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, failingSubscription),
            d => d.Length == 1 && d[0].GetProperty("state").GetString() == "dead", "the failing delivery to die");
        dead[0].GetProperty("attempts").GetInt32().ShouldBe(6);
        dead[0].GetProperty("lastError").GetString()!.ShouldContain("circuit");
        // Once open, the breaker answers for the endpoint: the receiver saw only the attempts before it opened.
        failing.Received.Count.ShouldBeLessThanOrEqualTo(3);

        var (healthySubscription, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = healthy.Url().ToString() }, new { predictionIds = new[] { predictionId } });
        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 4, Contracts.Tracker.PredictionStatus.Unlikely, Contracts.Tracker.PredictionStatus.Likely));
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, healthySubscription)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the other endpoint's delivery");
        healthy.Received.Count.ShouldBe(1);
    }
}
