using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Tests.Support;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class ForwardingTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    private static object Linked(string text, params string[] predictionIds) => new
    {
        text,
        publishedAt = "2019-06-01T09:30:00+02:00",
        source = new { url = $"https://forwarding.example.org/{Guid.NewGuid():N}", title = "Wire story", publisher = "Test wire" },
        links = predictionIds.Select(p => new { predictionId = p, stance = "supports", strength = "strong", rationale = "test" }).ToArray(),
    };

    private static async Task<Guid> IdOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

    [Fact]
    public async Task A_statement_linked_at_the_door_becomes_one_LogDevelopment_per_prediction_with_derived_ids_as_message_ids()
    {
        using var client = ingestion.Client();
        var response = await client.PostAsJsonAsync("/api/statements", Linked("Moscow and Tehran reaffirmed the nuclear agreement.", "iran-deal", "detente-fails"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = await IdOf(response);

        await Eventually.True(() => Task.FromResult(ingestion.Tracker.For(id).Count >= 2), "two LogDevelopment commands");
        var received = ingestion.Tracker.Received.Where(r => r.Message.StatementId == id).ToList();
        received.Select(r => r.Message.PredictionId).Distinct().Order().ShouldBe(["detente-fails", "iran-deal"]);
        foreach (var context in received)
        {
            context.MessageId.ShouldBe(DevelopmentIds.For(id, context.Message.PredictionId));
            context.Message.DevelopmentId.ShouldBe(DevelopmentIds.For(id, context.Message.PredictionId));
            context.Message.Summary.ShouldBe("Moscow and Tehran reaffirmed the nuclear agreement.");
            context.Message.OccurredAt.ShouldBe(new DateTimeOffset(2019, 6, 1, 7, 30, 0, TimeSpan.Zero));
            context.Message.Source!.Publisher.ShouldBe("Test wire");
            context.Message.RecordedBy.ShouldBe("dev-analyst");
        }
        var statement = await client.GetFromJsonAsync<JsonElement>($"/api/statements/{id}");
        statement.GetProperty("state").GetString().ShouldBe("linked");
    }

    [Fact]
    public async Task A_linked_batch_is_forwarded_completely()
    {
        using var client = ingestion.Client();
        var items = Enumerable.Range(0, 300).Select(i => Linked($"Batch development number {i}.", "sanctions-relief")).ToArray();
        var body = await (await client.PostAsJsonAsync("/api/statements/batch", items)).Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("accepted").GetInt32().ShouldBe(300);
        var ids = body.GetProperty("statements").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ToHashSet();

        await Eventually.True(
            () => Task.FromResult(ingestion.Tracker.Received.Select(r => r.Message.StatementId!.Value).Where(ids.Contains).Distinct().Count() == 300),
            "all 300 developments at the tracker's queue");
    }

    [Fact]
    public async Task With_RabbitMQ_down_statements_are_accepted_and_stored_and_forwarded_once_it_is_back()
    {
        using var client = ingestion.Client();
        await ingestion.Infrastructure.StopRabbitAsync();
        Guid id;
        try
        {
            var response = await client.PostAsJsonAsync("/api/statements", Linked("The Kremlin recognised the breakaway republics in the Donbas.", "minsk-ceasefire-collapse"));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            id = await IdOf(response);
            var stored = await client.GetFromJsonAsync<JsonElement>($"/api/statements/{id}");
            stored.GetProperty("state").GetString().ShouldBe("linked");
            ingestion.Tracker.For(id).ShouldBeEmpty();
        }
        finally
        {
            await ingestion.Infrastructure.StartRabbitAsync();
        }

        var sent = await Eventually.Get(() => Task.FromResult(ingestion.Tracker.For(id)), m => m.Count > 0,
            "the development forwarded after RabbitMQ came back", TimeSpan.FromSeconds(90));
        // At-least-once on the wire, exactly once in effect: every copy names the same development.
        sent.Select(m => m.DevelopmentId).Distinct().ShouldBe([DevelopmentIds.For(id, "minsk-ceasefire-collapse")]);
    }
}
