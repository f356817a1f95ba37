using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed class SubscriptionApiTests(NotificationsFixture fixture)
{
    [Fact]
    public async Task A_subscriber_reads_its_own_subscription_with_the_default_events_and_no_secret_in_it()
    {
        using var client = fixture.Client();
        var (id, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = "http://127.0.0.1:9/hook" }, new { predictionIds = new[] { "iran-deal" } });
        secret.ShouldNotBeNull();

        var read = await client.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{id}");
        read.GetProperty("channel").GetProperty("type").GetString().ShouldBe("webhook");
        read.GetProperty("filter").GetProperty("events").EnumerateArray().Select(e => e.GetString()).ShouldBe(["status-changed", "resolved"]);
        read.GetRawText().ShouldNotContain("whsec_");
        read.GetRawText().ShouldNotContain("secrets", Case.Insensitive);

        var all = await client.GetFromJsonAsync<JsonElement>("/api/subscriptions");
        all.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ShouldContain(id);
    }

    [Fact]
    public async Task Another_subscribers_subscription_is_404_for_every_route()
    {
        using var owner = fixture.Client();
        using var other = fixture.Client("subscriber2-dev-key");
        var (id, _) = await NotificationsFixture.SubscribeAsync(owner, new { type = "webhook", url = "http://127.0.0.1:9/hook" });

        (await other.GetAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.GetAsync($"/api/subscriptions/{id}/deliveries")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.PostAsync($"/api/subscriptions/{id}/rotate-secret", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.DeleteAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var listed = await other.GetFromJsonAsync<JsonElement>("/api/subscriptions");
        listed.EnumerateArray().Select(s => s.GetProperty("id").GetGuid()).ShouldNotContain(id);

        (await owner.DeleteAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await owner.GetAsync($"/api/subscriptions/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Secrets_are_not_readable_from_the_database()
    {
        using var client = fixture.Client();
        var (id, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = "http://127.0.0.1:9/hook" });
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Infrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select data::text from notifications.mt_doc_subscription where id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        var stored = (string)(await command.ExecuteScalarAsync())!;
        stored.ShouldNotContain(secret!["whsec_".Length..]);
        stored.ShouldNotContain("whsec_");
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"filter": {}}""", "channel" },
        { """{"channel": {}}""", "channel.type" },
        { """{"channel": {"type": "pigeon"}}""", "channel.type" },
        { """{"channel": {"type": "webhook", "url": "not a url"}}""", "channel.url" },
        { """{"channel": {"type": "webhook"}}""", "channel.url" },
        { """{"channel": {"type": "webhook", "url": "ftp://example.org/x"}}""", "channel.url" },
        { """{"channel": {"type": "email", "address": "nobody"}}""", "channel.address" },
        { """{"channel": {"type": "feed"}, "filter": {"events": ["status-changed", "exploded"]}}""", "filter.events" },
        { """{"channel": {"type": "feed"}, "filter": {"tags": [""]}}""", "filter.tags" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_subscriptions_are_400_naming_the_field(string body, string field)
    {
        using var client = fixture.Client();
        var response = await client.PostAsync("/api/subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.GetRawText());
    }

    [Theory]
    [InlineData("""{"channel": {"type": 5}}""")]
    [InlineData("""{"channel": {"type": "feed"}, "filter": {"events": "status-changed"}}""")]
    [InlineData("""{"channel": """)]
    public async Task Malformed_json_is_400_not_500(string body)
    {
        using var client = fixture.Client();
        var response = await client.PostAsync("/api/subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Subscriptions_need_a_subscriber_key()
    {
        using var anonymous = fixture.Client(null);
        using var analyst = fixture.Client("analyst-dev-key");
        (await anonymous.GetAsync("/api/subscriptions")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await analyst.GetAsync("/api/subscriptions")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.GetAsync("/api/feed")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_notifications_routes()
    {
        using var anonymous = fixture.Client(null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldContain("/api/subscriptions");
        paths.ShouldContain("/api/subscriptions/{id}/rotate-secret");
        paths.ShouldContain("/api/deliveries/{id}/redeliver");
        paths.ShouldContain("/api/feed/stream");
        OpenApiDocuments.Operations(document).Count.ShouldBe(9);
        OpenApiDocuments.Undocumented(document).ShouldBeEmpty();
    }
}
