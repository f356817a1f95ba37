using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Testing;

namespace PolicyTracker.Tracker.Tests.Api;

/// <summary>
/// A 100,000-development stream: ingestion throughput and as-of latency. Minutes of work, so it runs
/// only when TRACKER_BENCHMARK=1 (not in the regular suite).
/// </summary>
public class LongStreamBenchmark(InfrastructureFixture fixture, ITestOutputHelper output) : IClassFixture<InfrastructureFixture>
{
    public static bool Enabled => Environment.GetEnvironmentVariable("TRACKER_BENCHMARK") == "1";

    [Fact(Skip = "set TRACKER_BENCHMARK=1", SkipUnless = nameof(Enabled))]
    public async Task A_100k_event_stream_ingests_quickly_and_answers_as_of_in_milliseconds()
    {
        const string id = "sanctions-relief";
        const int count = 100_000;
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var endpoint = await factory.Services.GetRequiredService<IBus>().GetSendEndpoint(TrackerEndpoints.LogDevelopmentAddress);
        var reader = factory.Client();
        var clock = Stopwatch.StartNew();
        var sending = Enumerable.Range(0, count / 1000).Select(chunk => endpoint.SendBatch(Enumerable.Range(chunk * 1000, 1000).Select(i =>
            new LogDevelopment(Guid.NewGuid(), id, null, $"bulk {i}", new DateTimeOffset(2017, 2, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
                i % 2 == 0 ? Stance.Supports : Stance.Undermines, Strength.Weak, null, null, "bench"))));
        await Task.WhenAll(sending);
        output.WriteLine($"sent {count} in {clock.Elapsed}");
        await Eventually.True(async () =>
            (await (await reader.GetAsync($"/api/predictions/{id}")).Body()).GetProperty("developmentCount").GetInt32() >= count,
            "all developments", TimeSpan.FromMinutes(10));
        output.WriteLine($"ingested {count} in {clock.Elapsed}: {count / clock.Elapsed.TotalSeconds:0} developments/s");

        var from = DateTimeOffset.UtcNow - clock.Elapsed;
        var latencies = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var at = from + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * clock.Elapsed.TotalMilliseconds);
            var watch = Stopwatch.StartNew();
            var response = await reader.GetAsync($"/api/predictions/{id}/as-of?recordedAt={Uri.EscapeDataString(at.ToString("O"))}");
            watch.Stop();
            response.EnsureSuccessStatusCode();
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        var p95 = latencies[(int)(latencies.Count * 0.95)];
        output.WriteLine($"as-of recordedAt p50 {latencies[latencies.Count / 2]:0.0} ms, p95 {p95:0.0} ms");

        var effective = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var at = new DateTimeOffset(2017, 2, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Random.Shared.Next(count));
            var watch = Stopwatch.StartNew();
            var response = await reader.GetAsync($"/api/predictions/{id}/as-of?effectiveAt={Uri.EscapeDataString(at.ToString("O"))}");
            watch.Stop();
            response.EnsureSuccessStatusCode();
            effective.Add(watch.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"as-of effectiveAt first {effective[0]:0.0} ms");
        effective.Sort();
        var effectiveP95 = effective[(int)(effective.Count * 0.95)];
        output.WriteLine($"as-of effectiveAt p50 {effective[effective.Count / 2]:0.0} ms, p95 {effectiveP95:0.0} ms");
        p95.ShouldBeLessThan(20);
        effectiveP95.ShouldBeLessThan(20);
    }
}
