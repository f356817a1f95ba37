using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Testing;
using RabbitMQ.Client;

namespace PolicyTracker.Tracker.Tests.Api;

public sealed class InfrastructureFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Infrastructure = await IsolatedInfrastructure.CreateAsync("trackermsg");
    public ValueTask DisposeAsync() => Infrastructure.DisposeAsync();
}

/// <summary>Commands in, integration events out, through the real RabbitMQ vhost of this class.</summary>
public class MessagingTests(InfrastructureFixture fixture) : IClassFixture<InfrastructureFixture>
{
    [Fact]
    public async Task A_redelivered_LogDevelopment_appends_nothing_and_an_unknown_prediction_is_dropped()
    {
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var reader = factory.Client("auditor-dev-key");
        var endpoint = await factory.Services.GetRequiredService<IBus>().GetSendEndpoint(TrackerEndpoints.LogDevelopmentAddress);
        var command = Command("kuril-islands", "Abe and Putin agree nothing");
        await endpoint.Send(command);
        await endpoint.Send(command);
        await endpoint.Send(Command("no-such-prediction", "lost"));
        var later = Command("kuril-islands", "a later development");
        await endpoint.Send(later);

        // Order per queue: once the later command is in, the duplicate before it has been consumed.
        var history = await Eventually.Get(async () => await (await reader.GetAsync("/api/predictions/kuril-islands/history")).Body(),
            h => h.EnumerateArray().Any(e => e.GetProperty("type").GetString() == "development-logged"
                && e.GetProperty("data").GetProperty("developmentId").GetGuid() == later.DevelopmentId), "the later development");
        var logged = history.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "development-logged")
            .Select(e => e.GetProperty("data").GetProperty("developmentId").GetGuid()).ToList();
        logged.ShouldBe([command.DevelopmentId, later.DevelopmentId]);
        history.EnumerateArray().First(e => e.GetProperty("type").GetString() == "development-logged")
            .GetProperty("recordedBy").GetString().ShouldBe("ingestion-test");
    }

    [Fact]
    public async Task The_catalog_answers_with_the_current_predictions()
    {
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        _ = factory.Server;
        var client = factory.Services.GetRequiredService<IBus>().CreateRequestClient<GetPredictionCatalog>();
        var response = await client.GetResponse<PredictionCatalog>(new GetPredictionCatalog(DateTimeOffset.UtcNow));
        response.Message.Predictions.Count.ShouldBeGreaterThanOrEqualTo(11);
        response.Message.Predictions.Single(p => p.PredictionId == "iran-deal").SearchTerms.ShouldContain("JCPOA");
    }

    [Fact]
    public async Task The_catalog_asked_about_some_predictions_answers_with_those_it_knows_and_their_criteria()
    {
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        _ = factory.Server;
        var client = factory.Services.GetRequiredService<IBus>().CreateRequestClient<GetPredictionCatalog>();
        var response = await client.GetResponse<PredictionCatalog>(new GetPredictionCatalog(DateTimeOffset.UtcNow, ["iran-deal", "no-such-prediction"]));
        var entry = response.Message.Predictions.ShouldHaveSingleItem();
        entry.PredictionId.ShouldBe("iran-deal");
        entry.ResolutionCriteria.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task After_a_restart_mid_stream_every_integration_event_is_published_with_its_event_id_and_no_gap()
    {
        const string id = "china-containment";
        var received = new ConcurrentDictionary<Guid, long>();
        var connectionFactory = new ConnectionFactory { Uri = new Uri(fixture.Infrastructure.RabbitConnectionString) };
        await using var connection = await connectionFactory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        const string exchange = "PolicyTracker.Contracts.Tracker:PredictionDevelopmentLoggedNotice";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = (await channel.QueueDeclareAsync("tracker-test-development-logged", durable: false, exclusive: false, autoDelete: false)).QueueName;
        await channel.QueueBindAsync(queue, exchange, "");

        async Task Drain()
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
            {
                using var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span));
                var message = envelope.RootElement.GetProperty("message");
                if (message.GetProperty("predictionId").GetString() == id)
                {
                    received[envelope.RootElement.GetProperty("messageId").GetGuid()] = message.GetProperty("version").GetInt64();
                }
            }
        }

        var first = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var analyst = first.Client("analyst-dev-key");
        for (var i = 0; i < 10; i++)
        {
            (await analyst.Post($"/api/predictions/{id}/developments", Json.Development("neutral", "weak", summary: $"before restart {i}"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        await first.DisposeAsync();

        await using var second = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        analyst = second.Client("analyst-dev-key");
        for (var i = 0; i < 10; i++)
        {
            (await analyst.Post($"/api/predictions/{id}/developments", Json.Development("neutral", "weak", summary: $"after restart {i}"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        var history = await (await second.Client("auditor-dev-key").GetAsync($"/api/predictions/{id}/history")).Body();
        var expected = history.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "development-logged")
            .ToDictionary(e => e.GetProperty("eventId").GetGuid(), e => e.GetProperty("version").GetInt64());
        expected.Count.ShouldBeGreaterThanOrEqualTo(20);

        await Eventually.True(async () =>
        {
            await Drain();
            return expected.Keys.All(received.ContainsKey);
        }, "every development-logged event to be published");
        foreach (var (eventId, version) in expected)
        {
            received[eventId].ShouldBe(version);
        }

        // One trace runs from the analyst's request through the subscription hop to the broker.
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();
        var traced = new HttpRequestMessage(HttpMethod.Post, $"/api/predictions/{id}/developments")
        {
            Content = System.Net.Http.Json.JsonContent.Create(Json.Development("neutral", "weak", summary: "traced"), options: Json.Options),
        };
        traced.Headers.Add("traceparent", $"00-{traceId}-{System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()}-01");
        var tracedResponse = await analyst.SendAsync(traced);
        tracedResponse.StatusCode.ShouldBe(HttpStatusCode.Created);
        var activityId = await Eventually.Get(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
            {
                using var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span));
                if (envelope.RootElement.GetProperty("message").GetProperty("summary").GetString() == "traced")
                {
                    return delivery.BasicProperties.Headers?.TryGetValue("MT-Activity-Id", out var value) == true
                        ? Encoding.UTF8.GetString((byte[])value!)
                        : "missing";
                }
            }
            return null;
        }, v => v is not null, "the traced development to be published");
        activityId!.ShouldContain(traceId);
    }

    [Fact]
    public async Task As_of_on_a_stream_past_several_checkpoints_equals_the_full_replay()
    {
        const string id = "detente-fails";
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var endpoint = await factory.Services.GetRequiredService<IBus>().GetSendEndpoint(TrackerEndpoints.LogDevelopmentAddress);
        var stances = new[] { Stance.Supports, Stance.Undermines, Stance.Supports };
        var commands = Enumerable.Range(0, 260).Select(i => Command(id, $"bulk {i}") with { Stance = stances[i % 3], Strength = (Strength)(i % 3) }).ToList();
        await endpoint.SendBatch(commands);
        var reader = factory.Client();
        await Eventually.True(async () =>
            (await (await reader.GetAsync($"/api/predictions/{id}")).Body()).GetProperty("developmentCount").GetInt32() >= 260,
            "260 developments", TimeSpan.FromSeconds(60));

        var timeline = (await (await reader.GetAsync($"/api/predictions/{id}/timeline")).Body()).EnumerateArray().ToList();
        timeline.Count.ShouldBeGreaterThan(200);
        foreach (var group in timeline.GroupBy(e => e.GetProperty("recordedAt").GetDateTimeOffset()))
        {
            var last = group.MaxBy(e => e.GetProperty("version").GetInt64());
            var asOf = await (await reader.GetAsync($"/api/predictions/{id}/as-of?recordedAt={Uri.EscapeDataString(group.Key.ToString("O"))}")).Body();
            asOf.GetProperty("version").GetInt64().ShouldBe(last.GetProperty("version").GetInt64());
            asOf.GetProperty("probability").GetDouble().ShouldBe(last.GetProperty("probability").GetDouble(), 1e-12);
            asOf.GetProperty("status").GetString().ShouldBe(last.GetProperty("status").GetString());
        }
    }

    private static LogDevelopment Command(string predictionId, string summary) =>
        new(Guid.NewGuid(), predictionId, null, summary, new DateTimeOffset(2018, 3, 1, 0, 0, 0, TimeSpan.Zero),
            Stance.Undermines, Strength.Moderate, null, null, "ingestion-test");
}
