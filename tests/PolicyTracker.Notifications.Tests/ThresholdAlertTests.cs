using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.Tests.Support;
using StandardWebhooks;

namespace PolicyTracker.Notifications.Tests;

/// <summary>Issue 13, item 3: threshold alerts through every channel, on the real servers.</summary>
[Collection(NotificationsCollection.Name)]
public sealed class ThresholdAlertTests(NotificationsFixture fixture)
{
    private static PredictionProbabilityChangedNotice Moved(string predictionId, long version, double from, double to) =>
        new(predictionId, version, $"Title of {predictionId}", from, to,
            new ChangeCause("probability-revised", null, "The summit was called off"),
            new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow, "dev-analyst");

    /// <summary>Publishes each move and waits until it is consumed, so every delivery it makes exists afterwards.</summary>
    private async Task<Guid[]> PublishAllAsync(params PredictionProbabilityChangedNotice[] moves)
    {
        var ids = new List<Guid>();
        foreach (var move in moves)
        {
            var id = await fixture.PublishAsync(move);
            await fixture.WaitConsumedAsync(id);
            ids.Add(id);
        }
        return [.. ids];
    }

    private static HeaderDictionary Headers(ReceivedWebhook webhook) =>
        new(webhook.Headers.ToDictionary(h => h.Key, h => new Microsoft.Extensions.Primitives.StringValues(h.Value)));

    private static JsonElement Data(string body) => JsonDocument.Parse(body).RootElement.GetProperty("data");

    [Fact]
    public async Task Crossing_0_5_sends_exactly_one_signed_probability_crossed_webhook_and_moves_that_do_not_cross_send_none()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() },
            new { predictionIds = new[] { predictionId }, probabilityCrosses = new[] { 0.5 } });

        var crossing = Moved(predictionId, 3, 0.45, 0.55);
        var ids = await PublishAllAsync(Moved(predictionId, 2, 0.30, 0.45), crossing, Moved(predictionId, 4, 0.55, 0.60));
        // The crossing again, as the broker redelivers it: it changes nothing.
        await fixture.PublishAsync(crossing, ids[1]);
        await fixture.WaitConsumedAsync(ids[1], times: 2);

        var deliveries = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length > 0 && d.All(x => x.GetProperty("state").GetString() == "delivered"), "the deliveries to settle");
        deliveries.ShouldHaveSingleItem().GetProperty("type").GetString().ShouldBe("prediction.probability-crossed");
        deliveries[0].GetProperty("version").GetInt64().ShouldBe(3);
        var webhook = receiver.Received.ShouldHaveSingleItem();
        new StandardWebhook(secret!).Verify(webhook.Body, Headers(webhook));
        webhook.Headers["webhook-id"].ShouldBe(deliveries[0].GetProperty("webhookId").GetString());

        var body = JsonDocument.Parse(webhook.Body).RootElement;
        body.GetProperty("type").GetString().ShouldBe("prediction.probability-crossed");
        body.GetProperty("timestamp").GetDateTimeOffset().ShouldBe(crossing.RecordedAt);
        var data = body.GetProperty("data");
        data.EnumerateObject().Select(p => p.Name).ShouldBe(
            ["predictionId", "title", "threshold", "direction", "probability", "previousProbability", "version", "effectiveAt", "recordedAt"]);
        data.GetProperty("predictionId").GetString().ShouldBe(predictionId);
        data.GetProperty("title").GetString().ShouldBe(crossing.Title);
        data.GetProperty("threshold").GetDouble().ShouldBe(0.5);
        data.GetProperty("direction").GetString().ShouldBe("up");
        data.GetProperty("probability").GetDouble().ShouldBe(0.55);
        data.GetProperty("previousProbability").GetDouble().ShouldBe(0.45);
        data.GetProperty("version").GetInt64().ShouldBe(3);
        data.GetProperty("effectiveAt").GetDateTimeOffset().ShouldBe(crossing.EffectiveAt);
        data.GetProperty("recordedAt").GetDateTimeOffset().ShouldBe(crossing.RecordedAt);
    }

    [Fact]
    public async Task A_move_past_several_thresholds_sends_one_alert_per_threshold_in_passing_order_and_crossing_back_says_down()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() },
            new { predictionIds = new[] { predictionId }, probabilityCrosses = new[] { 0.7, 0.3, 0.5 } });

        await PublishAllAsync(Moved(predictionId, 2, 0.20, 0.80), Moved(predictionId, 3, 0.80, 0.45));

        var deliveries = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length > 0 && d.All(x => x.GetProperty("state").GetString() == "delivered"), "the deliveries to settle");
        deliveries.Length.ShouldBe(5);
        await Eventually.True(() => Task.FromResult(receiver.Received.Count >= 5), "five webhooks");
        var received = receiver.Received;
        received.Select(r => r.Headers["webhook-id"]).Distinct().Count().ShouldBe(5);
        foreach (var webhook in received)
        {
            new StandardWebhook(secret!).Verify(webhook.Body, Headers(webhook));
        }
        string Alert(JsonElement d) => $"v{d.GetProperty("version").GetInt64()} {d.GetProperty("threshold").GetDouble()} {d.GetProperty("direction").GetString()}";
        // In order: the versions as they came, and within one move the thresholds as the probability passed them.
        received.Select(r => Alert(Data(r.Body))).ShouldBe(["v2 0.3 up", "v2 0.5 up", "v2 0.7 up", "v3 0.7 down", "v3 0.5 down"]);
    }

    [Fact]
    public async Task With_a_minimum_change_probability_changed_goes_only_once_the_probability_moved_that_far_since_the_last_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() },
            new { predictionIds = new[] { predictionId }, minProbabilityChange = 0.1 });

        var ids = await PublishAllAsync(
            Moved(predictionId, 2, 0.50, 0.55), // 0.05 from 0.50: held back
            Moved(predictionId, 3, 0.55, 0.60), // 0.10 from 0.50: sent, measured from 0.60 on
            Moved(predictionId, 4, 0.60, 0.65),
            Moved(predictionId, 5, 0.65, 0.55),
            Moved(predictionId, 6, 0.55, 0.50), // 0.10 from 0.60: sent
            Moved(predictionId, 7, 0.50, 0.45));
        // The sent one again, as the broker redelivers it: no second alert, and the baseline stays at 0.60.
        await fixture.PublishAsync(Moved(predictionId, 3, 0.55, 0.60), ids[1]);
        await fixture.WaitConsumedAsync(ids[1], times: 2);

        var deliveries = await Eventually.Get(() => NotificationsFixture.DeliveriesAsync(client, subscriptionId),
            d => d.Length > 0 && d.All(x => x.GetProperty("state").GetString() == "delivered"), "the deliveries to settle");
        deliveries.Select(d => d.GetProperty("version").GetInt64()).Order().ShouldBe([3L, 6L]);
        deliveries.Select(d => d.GetProperty("type").GetString()).Distinct().ShouldBe(["prediction.probability-changed"]);
        await Eventually.True(() => Task.FromResult(receiver.Received.Count >= 2), "two webhooks");
        foreach (var webhook in receiver.Received)
        {
            new StandardWebhook(secret!).Verify(webhook.Body, Headers(webhook));
        }
        receiver.Received.Select(r => Data(r.Body).GetProperty("probability").GetDouble()).ShouldBe([0.60, 0.50]);

        var read = await client.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{subscriptionId}");
        read.GetProperty("filter").GetProperty("minProbabilityChange").GetDouble().ShouldBe(0.1);
        read.GetProperty("filter").GetProperty("events").EnumerateArray().Select(e => e.GetString())
            .ShouldBe(["status-changed", "resolved", "probability-changed"]);
    }

    [Fact]
    public async Task The_feed_gets_the_crossing_as_an_alert()
    {
        using var client = fixture.Client("subscriber2-dev-key");
        var predictionId = NotificationsFixture.NewPredictionId();
        await NotificationsFixture.SubscribeAsync(client, new { type = "feed" },
            new { predictionIds = new[] { predictionId }, probabilityCrosses = new[] { 0.5 } });

        await PublishAllAsync(Moved(predictionId, 2, 0.30, 0.40), Moved(predictionId, 3, 0.40, 0.60));

        var feed = await client.GetFromJsonAsync<JsonElement>("/api/feed?limit=1000");
        var alert = feed.EnumerateArray().Where(a => a.GetProperty("predictionId").GetString() == predictionId).ShouldHaveSingleItem();
        alert.GetProperty("type").GetString().ShouldBe("prediction.probability-crossed");
        alert.GetProperty("version").GetInt64().ShouldBe(3);
        alert.GetProperty("headline").GetString().ShouldBe($"Title of {predictionId}: probability crossed 0.5 up (0.40 -> 0.60)");
        alert.GetProperty("data").GetProperty("threshold").GetDouble().ShouldBe(0.5);
        alert.GetProperty("data").GetProperty("direction").GetString().ShouldBe("up");
    }

    [Fact]
    public async Task The_crossing_reaches_the_smtp_server_as_an_email()
    {
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "email", address = "thresholds@example.org" },
            new { predictionIds = new[] { predictionId }, probabilityCrosses = new[] { 0.5 } });

        await PublishAllAsync(Moved(predictionId, 2, 0.70, 0.40));

        // The detail line, not the subject: a long subject is folded over lines.
        await Eventually.True(() => Task.FromResult(fixture.Smtp.Output.Contains($"({predictionId}) crossed 0.5 going down, from 0.70 to 0.40")),
            "the email at the SMTP server");
        fixture.Smtp.Output.ShouldContain($"Subject: [PolicyTracker] Title of {predictionId}");
        fixture.Smtp.Output.ShouldContain("thresholds@example.org");
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d]
            && d.GetProperty("state").GetString() == "delivered" && d.GetProperty("type").GetString() == "prediction.probability-crossed",
            "the email delivery to be recorded as delivered");
    }

    public static TheoryData<string, string> InvalidFilters => new()
    {
        { """{"probabilityCrosses": [0.5, 1.2]}""", "filter.probabilityCrosses" },
        { """{"probabilityCrosses": [0]}""", "filter.probabilityCrosses" },
        { """{"probabilityCrosses": [-0.5]}""", "filter.probabilityCrosses" },
        { """{"probabilityCrosses": [1]}""", "filter.probabilityCrosses" },
        { """{"minProbabilityChange": -0.1}""", "filter.minProbabilityChange" },
        { """{"minProbabilityChange": 0}""", "filter.minProbabilityChange" },
        { """{"minProbabilityChange": 1.5}""", "filter.minProbabilityChange" },
        { """{"events": ["probability-crossed"]}""", "filter.probabilityCrosses" },
    };

    [Theory]
    [MemberData(nameof(InvalidFilters))]
    public async Task A_threshold_outside_0_1_or_a_change_not_above_0_is_400_naming_the_field(string filter, string field)
    {
        using var client = fixture.Client();
        var body = $$"""{"channel": {"type": "feed"}, "filter": {{filter}}}""";
        var response = await client.PostAsync("/api/subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldBe([field], problem.GetRawText());
    }

    [Theory]
    [InlineData("""{"probabilityCrosses": 0.5}""")]
    [InlineData("""{"probabilityCrosses": ["half"]}""")]
    [InlineData("""{"minProbabilityChange": "a lot"}""")]
    public async Task A_threshold_or_change_of_the_wrong_type_is_400_not_500(string filter)
    {
        using var client = fixture.Client();
        var body = $$"""{"channel": {"type": "feed"}, "filter": {{filter}}}""";
        var response = await client.PostAsync("/api/subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
