using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.Tests.Support;
using StandardWebhooks;

namespace PolicyTracker.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed class WebhookDeliveryTests(NotificationsFixture fixture)
{
    private static HeaderDictionary Headers(ReceivedWebhook webhook, string? onlySignature = null)
    {
        var headers = new HeaderDictionary();
        foreach (var (name, value) in webhook.Headers)
        {
            headers[name] = value;
        }
        if (onlySignature is not null)
        {
            headers["webhook-signature"] = onlySignature;
        }
        return headers;
    }

    [Fact]
    public async Task A_status_change_arrives_signed_in_the_documented_shape_continuing_the_trace()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (_, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });
        secret.ShouldNotBeNull();
        secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(secret["whsec_".Length..]).Length.ShouldBe(32);

        using var activity = new Activity("analyst request").SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        activity.Start();
        var message = NotificationsFixture.StatusChanged(predictionId);
        await fixture.PublishAsync(message);
        activity.Stop();

        var webhook = await Eventually.Get(() => Task.FromResult(receiver.Received.FirstOrDefault()), r => r is not null, "the webhook");
        new StandardWebhook(secret).Verify(webhook!.Body, Headers(webhook));
        Should.Throw<Exception>(() => new StandardWebhook(secret).Verify(webhook.Body.Replace("unlikely", "likely"), Headers(webhook)));
        webhook.Headers["webhook-id"].ShouldStartWith("msg_");
        webhook.Headers["content-type"].ShouldStartWith("application/json");
        webhook.Headers["traceparent"].ShouldContain(activity.TraceId.ToHexString());

        var body = JsonDocument.Parse(webhook.Body).RootElement;
        body.GetProperty("type").GetString().ShouldBe("prediction.status-changed");
        body.GetProperty("timestamp").GetDateTimeOffset().ShouldBe(message.RecordedAt);
        var data = body.GetProperty("data");
        data.EnumerateObject().Select(p => p.Name).ShouldBe(
            ["predictionId", "title", "from", "to", "probability", "previousProbability", "version", "effectiveAt", "recordedAt", "cause"]);
        data.GetProperty("predictionId").GetString().ShouldBe(predictionId);
        data.GetProperty("from").GetString().ShouldBe("likely");
        data.GetProperty("to").GetString().ShouldBe("unlikely");
        data.GetProperty("probability").GetDouble().ShouldBe(0.2);
        data.GetProperty("previousProbability").GetDouble().ShouldBe(0.7);
        data.GetProperty("version").GetInt64().ShouldBe(3);
        data.GetProperty("cause").GetProperty("type").GetString().ShouldBe("development-logged");
        data.GetProperty("cause").GetProperty("developmentId").GetGuid().ShouldBe(message.Cause.DevelopmentId!.Value);
        data.GetProperty("cause").GetProperty("summary").GetString().ShouldBe(message.Cause.Summary);
    }

    [Fact]
    public async Task Three_500s_then_a_200_make_exactly_four_attempts_with_one_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, n) => Task.FromResult(n <= 3 ? Results.StatusCode(500) : Results.Ok());
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        var delivery = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length == 1 && d[0].GetProperty("state").GetString() == "delivered", "the delivery to succeed");
        delivery[0].GetProperty("attempts").GetInt32().ShouldBe(4);
        delivery[0].GetProperty("lastStatusCode").GetInt32().ShouldBe(200);
        receiver.Received.Count.ShouldBe(4);
        receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct().ShouldHaveSingleItem()
            .ShouldBe(delivery[0].GetProperty("webhookId").GetString());
    }

    [Fact]
    public async Task A_410_disables_the_subscription_and_nothing_more_is_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, _) => Task.FromResult(Results.StatusCode(410));
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 3));
        await Eventually.True(async () => (await client.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{subscriptionId}"))
            .GetProperty("state").GetString() == "disabled", "the subscription to be disabled");
        var deliveries = await NotificationsFixture.DeliveriesAsync(client, subscriptionId);
        deliveries.ShouldHaveSingleItem().GetProperty("state").GetString().ShouldBe("dead");
        deliveries[0].GetProperty("attempts").GetInt32().ShouldBe(1);

        var next = await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 4, PredictionStatus.Unlikely, PredictionStatus.Likely));
        await fixture.WaitConsumedAsync(next);
        (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)).Length.ShouldBe(1);
        receiver.Received.Count.ShouldBe(1);
    }

    private sealed class AbortConnection : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Abort();
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_receiver_that_closes_the_connection_is_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, n) => Task.FromResult(n == 1 ? (IResult)new AbortConnection() : Results.Ok());
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        var deliveries = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length == 1 && d[0].GetProperty("state").GetString() == "delivered", "the retry after the closed connection");
        deliveries[0].GetProperty("attempts").GetInt32().ShouldBe(2);
        receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_no_sooner_than_asked()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, n) => Task.FromResult(n == 1 ? new WithRetryAfter(Results.StatusCode(429), 2) : Results.Ok());
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the delivery after the Retry-After");
        var received = receiver.Received.OrderBy(r => r.ReceivedAt).ToArray();
        received.Length.ShouldBe(2);
        // The schedule alone would retry after 0.2 s; the receiver asked for 2 s.
        (received[1].ReceivedAt - received[0].ReceivedAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9));
    }

    private sealed class WithRetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString();
            return inner.ExecuteAsync(httpContext);
        }
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        await using var elsewhere = await WebhookReceiver.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, _) => Task.FromResult(Results.Redirect(elsewhere.Url().ToString(), permanent: false, preserveMethod: true));
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        var deliveries = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length == 1 && d[0].GetProperty("state").GetString() == "dead", "the redirected delivery to die");
        deliveries[0].GetProperty("lastStatusCode").GetInt32().ShouldBe(307);
        elsewhere.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_claim_left_by_a_crashed_worker_is_taken_again_when_its_lease_lapses()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });
        // As a worker that crashed mid-send leaves it: pending, claimed for another two seconds.
        var claimedUntil = DateTimeOffset.UtcNow.AddSeconds(2);
        var eventId = Guid.NewGuid();
        await using (var session = fixture.Factory.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Store(new Delivery
            {
                Id = Delivery.IdFor(eventId, subscriptionId), EventId = eventId, SubscriptionId = subscriptionId, Owner = "dev-subscriber",
                Channel = "webhook", Target = receiver.Url().ToString(), Type = "status-changed", PredictionId = predictionId, Version = 3,
                Body = "{\"type\":\"prediction.status-changed\"}", RecordedAt = DateTimeOffset.UtcNow, CreatedAt = DateTimeOffset.UtcNow,
                NextAttemptAt = DateTimeOffset.UtcNow, ClaimedUntil = claimedUntil,
            });
            await session.SaveChangesAsync();
        }

        var webhook = await Eventually.Get(() => Task.FromResult(receiver.Received.FirstOrDefault()), r => r is not null, "the webhook after the lease");
        webhook!.ReceivedAt.ShouldBeGreaterThanOrEqualTo(claimedUntil.AddMilliseconds(-50));
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the delivery recorded");
        receiver.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task One_message_delivered_twice_makes_one_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        var message = NotificationsFixture.StatusChanged(predictionId);
        var eventId = await fixture.PublishAsync(message);
        await fixture.PublishAsync(message, eventId);
        await fixture.WaitConsumedAsync(eventId, times: 2);

        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)).All(d => d.GetProperty("state").GetString() == "delivered"),
            "the delivery to settle");
        (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)).Length.ShouldBe(1);
        receiver.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task After_a_rotation_both_the_old_and_the_new_secret_verify_during_the_overlap()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, oldSecret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        var rotated = await client.PostAsync($"/api/subscriptions/{subscriptionId}/rotate-secret", null);
        rotated.StatusCode.ShouldBe(HttpStatusCode.OK);
        var newSecret = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        newSecret.ShouldNotBe(oldSecret);

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));
        var webhook = await Eventually.Get(() => Task.FromResult(receiver.Received.FirstOrDefault()), r => r is not null, "the webhook");
        var signatures = webhook!.Headers["webhook-signature"].Split(' ');
        signatures.Length.ShouldBe(2);
        // The newest signature comes first: StandardWebhooks 1.1.2 checks every signature but the last
        // of a multi-signature header, so each one is also verified on its own.
        new StandardWebhook(newSecret).Verify(webhook.Body, Headers(webhook));
        new StandardWebhook(newSecret).Verify(webhook.Body, Headers(webhook, signatures[0]));
        new StandardWebhook(oldSecret!).Verify(webhook.Body, Headers(webhook, signatures[1]));
        Should.Throw<Exception>(() => new StandardWebhook(oldSecret!).Verify(webhook.Body, Headers(webhook, signatures[0])));
        Should.Throw<Exception>(() => new StandardWebhook(NotificationsFixture.OtherSecret).Verify(webhook.Body, Headers(webhook)));
    }

    [Fact]
    public async Task Deliveries_for_one_prediction_go_out_in_version_order_even_when_the_first_must_be_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (r, _) => Task.FromResult(
            r.Body.Contains("\"version\":5") && receiver.Received.Count(x => x.Body.Contains("\"version\":5")) <= 2 ? Results.StatusCode(503) : Results.Ok());
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        // Published back to back, as the Tracker does: one queue, one partition per prediction keeps them in order.
        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 5));
        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId, version: 6, PredictionStatus.Unlikely, PredictionStatus.Uncertain));

        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is { Length: 2 } d
            && d.All(x => x.GetProperty("state").GetString() == "delivered"), "both deliveries");
        var versions = receiver.Received.OrderBy(r => r.ReceivedAt)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("version").GetInt64()).ToArray();
        versions.ShouldBe([5, 5, 5, 6]);
    }

    [Fact]
    public async Task A_dead_delivery_can_be_redelivered_with_the_same_webhook_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var healthy = false;
        receiver.Respond = (_, _) => Task.FromResult(Volatile.Read(ref healthy) ? Results.Ok() : Results.StatusCode(500));
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));
        var dead = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length == 1 && d[0].GetProperty("state").GetString() == "dead", "the delivery to die");
        dead[0].GetProperty("attempts").GetInt32().ShouldBe(5);
        receiver.Received.Count.ShouldBe(5);

        using var other = fixture.Client("subscriber2-dev-key");
        var deliveryId = dead[0].GetProperty("id").GetGuid();
        (await other.PostAsync($"/api/deliveries/{deliveryId}/redeliver", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        Volatile.Write(ref healthy, true);
        (await client.PostAsync($"/api/deliveries/{deliveryId}/redeliver", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId))[0].GetProperty("state").GetString() == "delivered",
            "the redelivery");
        receiver.Received.Count.ShouldBe(6);
        receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct().ShouldHaveSingleItem();
        (await client.PostAsync($"/api/deliveries/{deliveryId}/redeliver", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_tag_subscription_hears_about_predictions_registered_with_that_tag_only()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var tag = "tag-" + Guid.NewGuid().ToString("N")[..8];
        var tagged = NotificationsFixture.NewPredictionId();
        var untagged = NotificationsFixture.NewPredictionId();
        var registered = await fixture.PublishAsync(new PredictionRegisteredNotice(tagged, 1, "Tagged", "claim", "criteria", DateTimeOffset.UtcNow.AddYears(1),
            0.5, [tag], [], PredictionStatus.Uncertain, DateTimeOffset.UtcNow, "dev-analyst"));
        await fixture.WaitConsumedAsync(registered);
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() },
            new { tags = new[] { tag }, events = new[] { "status-changed", "resolved" } });

        var ignored = await fixture.PublishAsync(NotificationsFixture.StatusChanged(untagged));
        await fixture.WaitConsumedAsync(ignored);
        await fixture.PublishAsync(new PredictionResolvedNotice(tagged, 9, "Tagged", Outcome.Confirmed, "It happened", 0.9,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "dev-analyst"));

        var webhook = await Eventually.Get(() => Task.FromResult(receiver.Received.FirstOrDefault()), r => r is not null, "the resolution");
        var body = JsonDocument.Parse(webhook!.Body).RootElement;
        body.GetProperty("type").GetString().ShouldBe("prediction.resolved");
        body.GetProperty("data").GetProperty("outcome").GetString().ShouldBe("confirmed");
        (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_reword_that_overtakes_its_registration_does_not_cost_the_prediction_its_tags()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var tag = "tag-" + Guid.NewGuid().ToString("N")[..8];
        var predictionId = NotificationsFixture.NewPredictionId();
        // The reword of a prediction not yet known is ignored, so the registration that follows is not taken for stale.
        var reworded = await fixture.PublishAsync(new PredictionRewordedNotice(predictionId, 2, "Reworded", "claim", "criteria", DateTimeOffset.UtcNow, "dev-analyst"));
        await fixture.WaitConsumedAsync(reworded);
        var registered = await fixture.PublishAsync(new PredictionRegisteredNotice(predictionId, 1, "Tagged", "claim", "criteria", DateTimeOffset.UtcNow.AddYears(1),
            0.5, [tag], [], PredictionStatus.Uncertain, DateTimeOffset.UtcNow, "dev-analyst"));
        await fixture.WaitConsumedAsync(registered);
        await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { tags = new[] { tag } });

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        var webhook = await Eventually.Get(() => Task.FromResult(receiver.Received.FirstOrDefault()), r => r is not null, "the status change for the tagged prediction");
        JsonDocument.Parse(webhook!.Body).RootElement.GetProperty("data").GetProperty("predictionId").GetString().ShouldBe(predictionId);
    }

    [Fact]
    public async Task Developments_and_probability_moves_reach_only_subscriptions_that_ask_for_them()
    {
        await using var asking = await WebhookReceiver.StartAsync();
        await using var defaults = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = asking.Url().ToString() },
            new { predictionIds = new[] { predictionId }, events = new[] { "development-logged", "probability-changed" } });
        await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = defaults.Url().ToString() }, new { predictionIds = new[] { predictionId } });
        var now = DateTimeOffset.UtcNow;
        var developmentId = Guid.NewGuid();

        var logged = await fixture.PublishAsync(new PredictionDevelopmentLoggedNotice(predictionId, 2, "Title", developmentId, null, "A summit", Stance.Supports,
            Strength.Moderate, 0.6, PredictionStatus.Uncertain, now, now, "dev-analyst"));
        var moved = await fixture.PublishAsync(new PredictionProbabilityChangedNotice(predictionId, 3, "Title", 0.5, 0.6,
            new ChangeCause("development-logged", developmentId, "A summit"), now, now, "dev-analyst"));

        var received = await Eventually.Get(() => Task.FromResult(asking.Received.ToArray()), r => r.Length == 2, "both webhooks");
        var bodies = received.Select(r => JsonDocument.Parse(r.Body).RootElement).OrderBy(b => b.GetProperty("data").GetProperty("version").GetInt64()).ToArray();
        bodies[0].GetProperty("type").GetString().ShouldBe("prediction.development-logged");
        bodies[0].GetProperty("data").GetProperty("stance").GetString().ShouldBe("supports");
        bodies[0].GetProperty("data").GetProperty("strength").GetString().ShouldBe("moderate");
        bodies[1].GetProperty("type").GetString().ShouldBe("prediction.probability-changed");
        bodies[1].GetProperty("data").GetProperty("previousProbability").GetDouble().ShouldBe(0.5);
        bodies[1].GetProperty("data").GetProperty("cause").GetProperty("developmentId").GetGuid().ShouldBe(developmentId);
        await fixture.WaitConsumedAsync(logged);
        await fixture.WaitConsumedAsync(moved);
        defaults.Received.ShouldBeEmpty();
    }
}
