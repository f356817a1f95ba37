using Microsoft.AspNetCore.Http;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

/// <summary>An instance of its own whose attempt timeout is two seconds instead of fifteen.</summary>
public sealed class ShortTimeoutFixture : NotificationsFixture
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    protected override Dictionary<string, string?> Settings(int smtpPort)
    {
        var settings = base.Settings(smtpPort);
        settings["Webhooks:AttemptTimeout"] = AttemptTimeout.ToString();
        return settings;
    }
}

public sealed class WebhookTimeoutTests(ShortTimeoutFixture fixture) : IClassFixture<ShortTimeoutFixture>
{
    [Fact]
    public async Task A_receiver_that_never_answers_fails_the_attempt_at_the_configured_timeout_and_holds_up_nobody_else()
    {
        var release = new TaskCompletionSource();
        await using var receiver = await WebhookReceiver.StartAsync();
        // The first request hangs until the test ends, so only the sender's timeout can end that attempt.
        receiver.Respond = async (_, n) =>
        {
            if (n == 1)
            {
                await release.Task;
            }
            return Results.Ok();
        };
        try
        {
            using var client = fixture.Client();
            var predictionId = NotificationsFixture.NewPredictionId();
            var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });
            await using var healthy = await WebhookReceiver.StartAsync();
            using var otherSubscriber = fixture.Client("subscriber2-dev-key");
            await NotificationsFixture.SubscribeAsync(otherSubscriber, new { type = "webhook", url = healthy.Url().ToString() }, new { predictionIds = new[] { predictionId } });

            await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

            // While the first receiver hangs, the other subscriber's webhook is not held up.
            await Eventually.True(() => Task.FromResult(healthy.Received.Count == 1 && receiver.Received.Count >= 1), "the healthy receiver's webhook");
            var deliveries = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
                d => d.Length == 1 && d[0].GetProperty("state").GetString() == "delivered", "the retry after the timeout to succeed");
            deliveries[0].GetProperty("attempts").GetInt32().ShouldBe(2);
            var received = receiver.Received.OrderBy(r => r.ReceivedAt).ToArray();
            received.Length.ShouldBe(2);
            // The first request never got an answer, so only the sender's timeout ended that attempt; the
            // retry came well after the request went out (half the timeout leaves room for a slow send).
            (received[1].ReceivedAt - received[0].ReceivedAt).ShouldBeGreaterThan(ShortTimeoutFixture.AttemptTimeout / 2);
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
