using System.Net;
using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Testing;
using PolicyTracker.Tracker.PassingHorizon;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker.Tests.Api;

public sealed class LedgerFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Infrastructure = await IsolatedInfrastructure.CreateAsync("trackerledger");
    public ValueTask DisposeAsync() => Infrastructure.DisposeAsync();
}

/// <summary>
/// Every writer of a prediction stream (seeder, HTTP use cases, the LogDevelopment consumer, the
/// horizon watcher) leaves an unbroken hash chain, its development records and its checkpoints.
/// </summary>
public class LedgerTests(LedgerFixture fixture) : IClassFixture<LedgerFixture>
{
    [Fact]
    public async Task Every_writer_extends_the_chain_and_writes_development_records_and_checkpoints()
    {
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var analyst = factory.Client("analyst-dev-key");
        var auditor = factory.Client("auditor-dev-key");
        var store = factory.Services.GetRequiredService<IDocumentStore>();

        // The seeder.
        await ShouldBeIntactAsync(auditor, "iran-deal", 1);

        // The HTTP use cases.
        var id = await Json.RegisterAsync(analyst, 0.5, horizon: "2017-09-01");
        var first = await (await analyst.Post($"/api/predictions/{id}/developments", Json.Development("supports", "strong"))).Body();
        var firstId = first.GetProperty("developmentId").GetGuid();
        var second = await analyst.Post($"/api/predictions/{id}/developments", Json.Development("undermines", "weak"));
        second.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await analyst.Put($"/api/predictions/{id}/wording", new { title = "A reworded prediction" }, second.Headers.ETag!.Tag)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await analyst.Post($"/api/predictions/{id}/probability", new { probability = 0.6, rationale = "judgement" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await analyst.Post($"/api/predictions/{id}/notes", new { text = "a remark" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await analyst.Post($"/api/predictions/{id}/developments/{firstId}/retraction", new { reason = "misread" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var afterHttp = await ShouldBeIntactAsync(auditor, id);

        // The LogDevelopment consumer, in one batch that carries the stream past its first checkpoint.
        var endpoint = await factory.Services.GetRequiredService<IBus>().GetSendEndpoint(TrackerEndpoints.LogDevelopmentAddress);
        var commands = Enumerable.Range(0, 100).Select(i => new LogDevelopment(Guid.NewGuid(), id, null, $"bulk {i}",
            new DateTimeOffset(2017, 7, 1, 0, 0, 0, TimeSpan.Zero), i % 2 == 0 ? Stance.Supports : Stance.Undermines, Strength.Weak,
            null, null, "ingestion-test")).ToList();
        await endpoint.SendBatch(commands);
        await Eventually.True(async () =>
            (await (await analyst.GetAsync($"/api/predictions/{id}")).Body()).GetProperty("developmentCount").GetInt32() == 101,
            "the consumer's developments", TimeSpan.FromSeconds(60));
        var afterConsumer = await ShouldBeIntactAsync(auditor, id);
        afterConsumer.ShouldBeGreaterThanOrEqualTo(afterHttp + 100);

        // The horizon watcher.
        factory.Clock.Set(new DateTimeOffset(2017, 9, 2, 0, 0, 0, TimeSpan.Zero));
        await factory.Services.GetRequiredService<HorizonWatcher>().CheckAsync(CancellationToken.None);
        var timeline = (await (await analyst.GetAsync($"/api/predictions/{id}/timeline")).Body()).EnumerateArray().ToList();
        timeline.Select(e => e.GetProperty("type").GetString()).ShouldContain("horizon-passed");
        var final = await ShouldBeIntactAsync(auditor, id);

        await using var session = store.QuerySession();
        var links = await session.Query<EventHash>().Where(h => h.PredictionId == id).ToListAsync();
        links.Select(l => l.Version).Order().ShouldBe(Enumerable.Range(1, (int)final).Select(v => (long)v));

        var records = await session.Query<DevelopmentRecord>().Where(d => d.PredictionId == id).ToListAsync();
        records.Count.ShouldBe(102);
        var retracted = records.Single(r => r.Id == firstId);
        retracted.LoggedVersion.ShouldBe(2);
        retracted.RetractedVersion.ShouldBe(timeline.First(e => e.GetProperty("type").GetString() == "development-retracted").GetProperty("version").GetInt64());
        records.Where(r => r.Id != firstId).ShouldAllBe(r => r.RetractedVersion == null);
        records.Select(r => r.LoggedVersion).Distinct().Count().ShouldBe(102);

        var checkpoint = await session.LoadAsync<PredictionCheckpoint>(PredictionCheckpoint.Key(id, 100));
        checkpoint.ShouldNotBeNull();
        checkpoint.State.Version.ShouldBe(100);
        var atHundred = timeline.Single(e => e.GetProperty("version").GetInt64() == 100);
        checkpoint.State.Probability.ShouldBe(atHundred.GetProperty("probability").GetDouble(), 1e-12);
        checkpoint.State.Status.ToString().ToLowerInvariant().ShouldBe(atHundred.GetProperty("status").GetString());
        checkpoint.State.Title.ShouldBe("A reworded prediction");
    }

    [Fact]
    public async Task The_as_of_index_is_part_of_the_event_store_schema()
    {
        await using var factory = new TrackerFactory(fixture.Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"select indexdef from pg_indexes where schemaname = '{PredictionStore.Schema}' and indexname = '{AsOfIndex.Name}'";
        var definition = (string?)await command.ExecuteScalarAsync();
        definition.ShouldNotBeNull();
        definition.ShouldContain("(stream_id, \"timestamp\")");
        // A second migration finds nothing to change: Marten neither drops the index nor re-creates it.
        (await store.Storage.Database.CreateMigrationAsync()).Difference.ShouldBe(Weasel.Core.SchemaPatchDifference.None);
    }

    /// <summary>The integrity check recomputes the chain from the stored rows; returns the stream's version.</summary>
    private static async Task<long> ShouldBeIntactAsync(HttpClient auditor, string id, int? events = null)
    {
        var report = await (await auditor.GetAsync($"/api/predictions/{id}/integrity")).Body();
        report.GetProperty("valid").GetBoolean().ShouldBeTrue(report.ToString());
        if (events is not null)
        {
            report.GetProperty("events").GetInt32().ShouldBe(events.Value);
        }
        return report.GetProperty("events").GetInt32();
    }
}
