using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>A bound of 0 events for 2 seconds, so a broker outage makes the forwarder "lag too long" quickly.</summary>
public sealed class TightLagBoundFixture : IngestionFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Subscriptions:MaxLag"] = "0",
        ["Subscriptions:MaxLagDuration"] = "00:00:02",
        ["Subscriptions:PollInterval"] = "00:00:00.500",
    };
}

/// <summary>
/// Issue 15: readiness names each subscription's state and lag, a gauge exports the lag, and a
/// subscription behind by more than the configured bound for longer than the configured time makes
/// the service unhealthy, until it has caught up again.
/// </summary>
public sealed class SubscriptionLagTests(TightLagBoundFixture ingestion) : IClassFixture<TightLagBoundFixture>
{
    private const string Forwarding = "development-forwarding:All";

    private static object Linked(string text) => new
    {
        text,
        publishedAt = "2019-06-01T09:30:00Z",
        source = new { url = $"https://lag.example.org/{Guid.NewGuid():N}", title = "Wire story", publisher = "Test wire" },
        links = new[] { new { predictionId = "iran-deal", stance = "supports", strength = "weak" } },
    };

    private async Task<JsonElement> SubscriptionsCheckAsync()
    {
        using var client = ingestion.Client(apiKey: null);
        var response = await client.GetAsync("/health/ready");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("subscriptions");
    }

    [Fact]
    public async Task Readiness_names_the_forwarder_and_its_lag_the_gauge_exports_it_and_a_long_lag_is_unhealthy_until_it_catches_up()
    {
        using var client = ingestion.Client();
        var healthy = await Eventually.Get(SubscriptionsCheckAsync,
            c => c.GetProperty("status").GetString() == "Healthy" && c.GetProperty("data").GetProperty(Forwarding).GetProperty("lag").GetInt64() == 0,
            "the forwarder caught up");
        healthy.GetProperty("data").GetProperty(Forwarding).GetProperty("state").GetString().ShouldBe("running");

        // The broker goes away: the forwarder cannot send, so it pauses and falls behind.
        await ingestion.Infrastructure.StopRabbitAsync();
        try
        {
            (await client.PostAsJsonAsync("/api/statements", Linked("Moscow and Tehran reaffirmed the agreement."))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var lagging = await Eventually.Get(SubscriptionsCheckAsync,
                c => c.GetProperty("status").GetString() == "Unhealthy",
                "the subscriptions check to turn unhealthy", TimeSpan.FromSeconds(60));
            lagging.GetProperty("description").GetString()!.ShouldContain(Forwarding);
            lagging.GetProperty("data").GetProperty(Forwarding).GetProperty("lag").GetInt64().ShouldBeGreaterThan(0);
            (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await ingestion.Infrastructure.StartRabbitAsync();
        }

        // The paused forwarder is restarted by the daemon and catches up: healthy again.
        await Eventually.Get(SubscriptionsCheckAsync,
            c => c.GetProperty("status").GetString() == "Healthy" && c.GetProperty("data").GetProperty(Forwarding).GetProperty("lag").GetInt64() == 0,
            "the forwarder to catch up after the outage", TimeSpan.FromSeconds(90));

        // The gauge, read in process from this service's own meter.
        var meters = ingestion.Service.Services.GetRequiredService<IMeterFactory>();
        var measured = new List<(long Lag, string? Subscription)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "policytracker.subscription.lag")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "subscription")
                {
                    measured.Add((value, tag.Value as string));
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        measured.ShouldContain((0L, Forwarding));
    }
}
