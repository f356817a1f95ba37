using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>
/// An archive arriving in 5,000-statement batches: stored, matched and forwarded as LogDevelopment
/// commands, every one of them. How fast is the benchmark's question, not this test's: the measured
/// rate is written to the test output only.
/// </summary>
[Collection(ThroughputCollection.Name)]
public sealed class ThroughputTests(IngestionFixture ingestion, ITestOutputHelper output) : IClassFixture<IngestionFixture>
{
    private const int Batches = 4;
    private const int PerBatch = 5_000;

    [Fact]
    public async Task Twenty_thousand_linked_statements_are_stored_and_forwarded_in_batches()
    {
        using var client = ingestion.Client();
        var run = Guid.NewGuid().ToString("N")[..8];
        var bodies = Enumerable.Range(0, Batches).Select(b => string.Join('\n', Enumerable.Range(0, PerBatch).Select(i => JsonSerializer.Serialize(new
        {
            text = $"Archive statement {run}-{b}-{i}: the ministry commented on sanctions and the JCPOA.",
            publishedAt = "2019-01-01T00:00:00Z",
            source = new { url = $"https://archive.example.org/{run}/{b}/{i}", publisher = "Archive" },
            links = new[] { new { predictionId = "iran-deal", stance = "neutral", strength = "weak" } },
        })))).ToList();
        var before = ingestion.Tracker.Received.Count;

        var clock = Stopwatch.StartNew();
        foreach (var body in bodies)
        {
            var response = await client.PostAsync("/api/statements/batch", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32().ShouldBe(PerBatch);
        }
        var stored = clock.Elapsed;
        await Eventually.True(() => Task.FromResult(ingestion.Tracker.Received.Count - before >= Batches * PerBatch),
            "every statement forwarded", TimeSpan.FromSeconds(120));
        var forwarded = clock.Elapsed;

        var total = Batches * PerBatch;
        output.WriteLine($"stored {total} in {stored.TotalSeconds:F1}s ({total / stored.TotalSeconds:F0}/s); forwarded all in {forwarded.TotalSeconds:F1}s ({total / forwarded.TotalSeconds:F0}/s)");
    }
}
