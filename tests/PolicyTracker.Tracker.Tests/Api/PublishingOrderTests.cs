using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Testing;
using RabbitMQ.Client;

namespace PolicyTracker.Tracker.Tests.Api;

/// <summary>
/// Issue 10, item 7: one prediction's integration events reach a queue bound to every Tracker
/// exchange in stream order, even when one page of the subscription carries many events of several
/// predictions and one event becomes messages of different types (different exchanges).
/// </summary>
public sealed class PublishingOrderTests(InfrastructureFixture fixture) : IClassFixture<InfrastructureFixture>
{
    private static readonly string[] MessageTypes =
    [
        nameof(PredictionRegisteredNotice), nameof(PredictionRewordedNotice), nameof(PredictionDevelopmentLoggedNotice),
        nameof(PredictionProbabilityChangedNotice), nameof(PredictionStatusChangedNotice), nameof(PredictionResolvedNotice),
    ];

    [Fact]
    public async Task A_predictions_messages_arrive_on_a_queue_in_stream_version_order()
    {
        string[] predictions = ["kuril-islands", "china-containment", "detente-fails", "sanctions-relief", "syria-victory", "baltic-attack"];
        const int perPrediction = 120;

        var connectionFactory = new ConnectionFactory { Uri = new Uri(fixture.Infrastructure.RabbitConnectionString) };
        await using var connection = await connectionFactory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("tracker-test-publishing-order", durable: false, exclusive: false, autoDelete: false)).QueueName;
        foreach (var type in MessageTypes)
        {
            var exchange = $"PolicyTracker.Contracts.Tracker:{type}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, "");
        }

        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var endpoint = await factory.Services.GetRequiredService<IBus>().GetSendEndpoint(TrackerEndpoints.LogDevelopmentAddress);
        // Strong developments alternating in direction move bands back and forth: each event becomes a
        // development-logged, a probability-changed and often a status-changed message.
        var commands = Enumerable.Range(0, perPrediction)
            .SelectMany(i => predictions.Select(p => new LogDevelopment(Guid.NewGuid(), p, null, $"order {i}",
                new DateTimeOffset(2018, 3, 1, 0, 0, 0, TimeSpan.Zero), i % 2 == 0 ? Stance.Undermines : Stance.Supports,
                Strength.Decisive, null, null, "ingestion-test")))
            .ToList();
        await endpoint.SendBatch(commands);

        var arrivals = new Dictionary<string, List<(long Version, string Type)>>();
        var ours = 0;
        await Eventually.True(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
            {
                using var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span));
                var message = envelope.RootElement.GetProperty("message");
                var predictionId = message.GetProperty("predictionId").GetString()!;
                var type = envelope.RootElement.GetProperty("messageType")[0].GetString()!;
                if (!arrivals.TryGetValue(predictionId, out var list))
                {
                    arrivals[predictionId] = list = [];
                }
                list.Add((message.GetProperty("version").GetInt64(), type));
                if (message.TryGetProperty("summary", out var summary) && summary.GetString()!.StartsWith("order "))
                {
                    ours++;
                }
            }
            return ours >= commands.Count;
        }, "the development-logged message of every command", TimeSpan.FromSeconds(120));

        var outOfOrder = arrivals
            .SelectMany(p => p.Value.Zip(p.Value.Skip(1)).Where(pair => pair.Second.Version < pair.First.Version)
                .Select(pair => $"{p.Key}: v{pair.Second.Version} {pair.Second.Type} after v{pair.First.Version} {pair.First.Type}"))
            .ToList();
        outOfOrder.ShouldBeEmpty();
        arrivals.Values.Sum(l => l.Count(a => a.Type.EndsWith(":" + nameof(PredictionStatusChangedNotice)))).ShouldBeGreaterThan(predictions.Length);
    }
}
