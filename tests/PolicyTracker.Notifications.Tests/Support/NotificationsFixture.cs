using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Notifications.Tests.Support;

/// <summary>
/// Notifications on an isolated database and vhost of the real servers, with the retry schedule
/// compressed, an SMTP server of its own, and a counter of every tracker event its consumers finished.
/// </summary>
public class NotificationsFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public ServiceFactory<Program> Factory { get; private set; } = null!;
    public SmtpServer Smtp { get; private set; } = null!;
    public ConcurrentDictionary<Guid, int> Consumed { get; } = new();

    protected virtual Dictionary<string, string?> Settings(int smtpPort) => new()
    {
        ["Webhooks:RetrySchedule:0"] = "00:00:00",
        ["Webhooks:RetrySchedule:1"] = "00:00:00.200",
        ["Webhooks:RetrySchedule:2"] = "00:00:00.200",
        ["Webhooks:RetrySchedule:3"] = "00:00:00.200",
        ["Webhooks:RetrySchedule:4"] = "00:00:00.200",
        ["Webhooks:Jitter"] = "0.1",
        ["Webhooks:PollInterval"] = "00:00:00.100",
        ["Predictions:Catalog:RequestTimeout"] = "00:00:01",
        ["Predictions:Catalog:RetryMaxDelay"] = "00:00:01",
        ["Email:SmtpHost"] = "127.0.0.1",
        ["Email:SmtpPort"] = smtpPort.ToString(),
    };

    public async ValueTask InitializeAsync()
    {
        Infrastructure = await IsolatedInfrastructure.CreateAsync("notif");
        Smtp = await SmtpServer.StartAsync();
        Factory = new ServiceFactory<Program>(Infrastructure, Settings(Smtp.Port));
        using var anonymous = Factory.CreateClient();
        // Consumers' queues must be bound before the tests publish.
        await Eventually.True(async () => (await anonymous.GetAsync("/health/ready")).IsSuccessStatusCode, "Notifications to be ready");
        var bus = Factory.Services.GetRequiredService<IBus>();
        bus.ConnectConsumeObserver(new CountingObserver(Consumed));
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Smtp.DisposeAsync();
        await Infrastructure.DisposeAsync();
    }

    public HttpClient Client(string? apiKey = "subscriber-dev-key") => ClientOf(Factory, apiKey);

    public static HttpClient ClientOf(ServiceFactory<Program> factory, string? apiKey = "subscriber-dev-key") => factory.Client(apiKey);

    /// <summary>Publishes as the Tracker does: MessageId = the event's id.</summary>
    public async Task<Guid> PublishAsync<T>(T message, Guid? eventId = null) where T : class
    {
        var id = eventId ?? Guid.NewGuid();
        await Factory.Services.GetRequiredService<IBus>().Publish(message, context => context.MessageId = id);
        return id;
    }

    public Task WaitConsumedAsync(Guid eventId, int times = 1) =>
        Eventually.True(() => Task.FromResult(Consumed.GetValueOrDefault(eventId) >= times), $"event {eventId} consumed {times} time(s)");

    public static readonly string OtherSecret = "whsec_" + Convert.ToBase64String(new byte[32]);

    public static string NewPredictionId() => "p-" + Guid.NewGuid().ToString("N")[..12];

    public static PredictionStatusChangedNotice StatusChanged(string predictionId, long version = 3,
        PredictionStatus from = PredictionStatus.Likely, PredictionStatus to = PredictionStatus.Unlikely) =>
        new(predictionId, version, $"Title of {predictionId}", from, to, 0.7, 0.2,
            new ChangeCause("development-logged", Guid.NewGuid(), "Moscow stops honouring the JCPOA"),
            new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), DateTimeOffset.UtcNow, "dev-analyst");

    public static async Task<(Guid Id, string? Secret)> SubscribeAsync(HttpClient client, object channel, object? filter = null)
    {
        var response = await client.PostAsJsonAsync("/api/subscriptions", new { channel, filter });
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var secret = body.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return (body.GetProperty("id").GetGuid(), secret);
    }

    public static async Task<JsonElement[]> DeliveriesAsync(HttpClient client, Guid subscriptionId) =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/api/subscriptions/{subscriptionId}/deliveries")).EnumerateArray()];

    public sealed class CountingObserver(ConcurrentDictionary<Guid, int> consumed) : IConsumeObserver
    {
        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.MessageId is { } id)
            {
                consumed.AddOrUpdate(id, 1, (_, n) => n + 1);
            }
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class NotificationsCollection : ICollectionFixture<NotificationsFixture>
{
    public const string Name = "notifications";
}
