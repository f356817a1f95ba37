using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed class CatalogAndMetricsTests(NotificationsFixture fixture)
{
    [Fact]
    public async Task Tags_learned_from_the_Trackers_catalog_route_events_to_tag_subscriptions()
    {
        var tag = "catalog-" + Guid.NewGuid().ToString("N")[..8];
        var predictionId = NotificationsFixture.NewPredictionId();
        // The Tracker answers only now: Notifications keeps asking until it does.
        var connector = fixture.Factory.Services.GetRequiredService<IReceiveEndpointConnector>();
        var tracker = connector.ConnectReceiveEndpoint("test-tracker-catalog-" + Guid.NewGuid().ToString("N")[..8], (_, endpoint) =>
            endpoint.Handler<GetPredictionCatalog>(context => context.RespondAsync(new PredictionCatalog(
                [new PredictionCatalogEntry(predictionId, 2, "From the catalog", "claim", [tag], [], PredictionStatus.Likely, 0.7)]))));
        await tracker.Ready;
        try
        {
            await using var receiver = await WebhookReceiver.StartAsync();
            using var client = fixture.Client();
            await Eventually.True(async () =>
            {
                await using var session = fixture.Factory.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
                return await session.LoadAsync<Predictions.PredictionSummary>(predictionId) is { } p && p.Tags.Contains(tag);
            }, "the catalog to be loaded");
            await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { tags = new[] { tag } });

            await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

            var webhook = await Eventually.Get(() => Task.FromResult(receiver.Received.FirstOrDefault()), r => r is not null, "the webhook by tag");
            webhook!.Body.ShouldContain(predictionId);
        }
        finally
        {
            await tracker.StopAsync();
        }
    }

    [Fact]
    public async Task Attempts_failures_deliveries_and_latency_are_measured()
    {
        var measured = new System.Collections.Concurrent.ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "PolicyTracker" && instrument.Name.StartsWith("policytracker.notifications."))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, value, _, _) => measured.AddOrUpdate(i.Name, value, (_, v) => v + value));
        listener.SetMeasurementEventCallback<double>((i, value, _, _) => measured.AddOrUpdate(i.Name + ".count", 1, (_, v) => v + 1));
        listener.Start();

        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Respond = (_, n) => Task.FromResult(n == 1 ? Results.StatusCode(503) : Results.Ok());
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url().ToString() }, new { predictionIds = new[] { predictionId } });
        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the delivery");

        await Eventually.True(() => Task.FromResult(measured.GetValueOrDefault("policytracker.notifications.delivery.latency.count") >= 1), "the latency measurement");
        measured.GetValueOrDefault("policytracker.notifications.deliveries.attempted").ShouldBeGreaterThanOrEqualTo(2);
        measured.GetValueOrDefault("policytracker.notifications.deliveries.failed").ShouldBeGreaterThanOrEqualTo(1);
        measured.GetValueOrDefault("policytracker.notifications.deliveries.delivered").ShouldBeGreaterThanOrEqualTo(1);
    }
}
