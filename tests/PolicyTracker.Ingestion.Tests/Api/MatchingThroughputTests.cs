using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Marten;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>
/// Unlinked statements arriving in one batch are accepted at once and matched in the background. Target
/// 200 statements/s on this machine; the floor asserted is far lower because test runs share the cores.
/// </summary>
[Collection(ThroughputCollection.Name)]
public sealed class MatchingThroughputTests(IngestionFixture ingestion, ITestOutputHelper output) : IClassFixture<IngestionFixture>
{
    private const int Count = 1_000;
    private static readonly string[] Openings =
    [
        "The foreign ministry said talks on the sanctions regime would continue next week",
        "Shelling was reported near Donetsk overnight as monitors counted violations of the truce",
        "Tehran said it would keep enriching uranium while the other parties to the accord met in Vienna",
        "Japan's prime minister raised the disputed islands with the Kremlin once more",
        "The football club signed a new striker on a three-year contract",
        "Heavy rain is expected across the north of the country this weekend",
    ];

    [Fact]
    public async Task A_thousand_unlinked_statements_are_all_matched_into_triage_in_the_background()
    {
        using var client = ingestion.Client();
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = string.Join('\n', Enumerable.Range(0, Count).Select(i => JsonSerializer.Serialize(new
        {
            text = $"{Openings[i % Openings.Length]}, officials said on day {i} of run {run}.",
            publishedAt = "2019-03-01",
            source = new { url = $"https://matching.example.org/{run}/{i}" },
        })));

        var clock = Stopwatch.StartNew();
        var response = await client.PostAsync("/api/statements/batch", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var accepted = clock.Elapsed;
        await Eventually.True(async () =>
        {
            await using var session = ingestion.Store.QuerySession();
            return !await session.Query<Statement>().AnyAsync(s => s.State == StatementState.Pending);
        }, "no statement left pending", TimeSpan.FromSeconds(180));
        var matched = clock.Elapsed;

        var rate = Count / matched.TotalSeconds;
        output.WriteLine($"accepted {Count} in {accepted.TotalSeconds:F1}s; all matched after {matched.TotalSeconds:F1}s ({rate:F0} statements/s)");
        rate.ShouldBeGreaterThan(20);
    }
}
