using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Testing;

namespace PolicyTracker.Tracker.Tests.Api;

/// <summary>Takes PostgreSQL away from its Tracker: the class fixture gives it a database and vhost of its own.</summary>
public sealed class OutageTests(InfrastructureFixture fixture) : IClassFixture<InfrastructureFixture>
{
    /// <summary>
    /// Longer than the command consumer's in-memory retries (about 4 s), after which a batch used to go
    /// to `log-development-N_error` and wait for a human. PT_TRACKER_OUTAGE_SECONDS makes it longer.
    /// </summary>
    private static TimeSpan OutageLength =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("PT_TRACKER_OUTAGE_SECONDS"), out var s) ? s : 15);

    private static long Messages(JsonElement queue) =>
        queue.ValueKind == JsonValueKind.Object && queue.TryGetProperty("messages_ready", out var n) ? n.GetInt64() : 0;

    /// <summary>Ready messages in every partition of log-development (suffix "_error": in their error queues).</summary>
    private async Task<long> PartitionMessagesAsync(string suffix = "")
    {
        long total = 0;
        for (var partition = 0; partition < new PartitionOptions().Count; partition++)
        {
            total += Messages(await fixture.Infrastructure.QueueAsync(PredictionPartitions.LogDevelopment.Queue(partition) + suffix));
        }
        return total;
    }

    [Fact]
    public async Task Commands_consumed_while_PostgreSQL_is_down_wait_for_it_and_are_logged_once_it_is_back_none_in_error()
    {
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var reader = factory.Client("auditor-dev-key");
        await Eventually.True(async () => (await reader.GetAsync("/api/predictions/kuril-islands")).IsSuccessStatusCode, "the seeded predictions");
        var gate = factory.Services.GetRequiredService<ConsumptionGate>();
        var endpoint = await factory.Services.GetRequiredService<IBus>().GetSendEndpoint(TrackerEndpoints.LogDevelopmentAddress);

        await fixture.Infrastructure.StopPostgresAsync();
        var commands = Enumerable.Range(1, 20).Select(i => new LogDevelopment(Guid.NewGuid(), "kuril-islands", null, $"development {i} during the outage",
            new DateTimeOffset(2018, 3, 1, 0, 0, 0, TimeSpan.Zero), Stance.Neutral, Strength.Weak, null, null, "ingestion-test")).ToList();
        await endpoint.SendBatch(commands);
        await Eventually.True(async () => await PartitionMessagesAsync() == 0,
            "the consumer to take the commands", TimeSpan.FromSeconds(30));
        await Task.Delay(OutageLength, TestContext.Current.CancellationToken); // the outage itself, not a wait for a condition
        (await PartitionMessagesAsync("_error")).ShouldBe(0);
        gate.IsOpen.ShouldBeFalse("consumption waits while the database is away");
        await fixture.Infrastructure.StartPostgresAsync();

        var ids = commands.Select(c => c.DevelopmentId).ToHashSet();
        var logged = await Eventually.Get(async () =>
            {
                var history = await (await reader.GetAsync("/api/predictions/kuril-islands/history")).Body();
                return history.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "development-logged")
                    .Select(e => e.GetProperty("data").GetProperty("developmentId").GetGuid()).Where(ids.Contains).ToList();
            }, l => l.Count >= ids.Count, "every command logged after the outage", TimeSpan.FromSeconds(60));
        logged.Count.ShouldBe(ids.Count);
        logged.ShouldBeUnique();
        gate.IsOpen.ShouldBeTrue();
        (await PartitionMessagesAsync("_error")).ShouldBe(0);
    }
}
