using System.Collections.Concurrent;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

/// <summary>Two Notifications instances on one database and one vhost, as when scaled out.</summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public ServiceFactory<Program> First { get; private set; } = null!;
    public ServiceFactory<Program> Second { get; private set; } = null!;
    public ConcurrentDictionary<Guid, int> Consumed { get; } = new();

    public static Dictionary<string, string?> Settings(string claimLease = "00:02:00") => new()
    {
        ["Webhooks:RetrySchedule:0"] = "00:00:00",
        ["Webhooks:RetrySchedule:1"] = "00:00:00.200",
        ["Webhooks:PollInterval"] = "00:00:00.100",
        ["Webhooks:ClaimLease"] = claimLease,
        ["Webhooks:ClaimBatchSize"] = "20",
        ["Predictions:Catalog:RequestTimeout"] = "00:00:01",
    };

    /// <summary>
    /// Starts an instance on a fresh execution context: MassTransit keeps its log context in an
    /// AsyncLocal, and an instance built where a stopped one was built would log to a disposed factory.
    /// </summary>
    public static Task<ServiceFactory<Program>> StartAsync(IsolatedInfrastructure infrastructure, Dictionary<string, string?> settings, ConcurrentDictionary<Guid, int> consumed)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(() => StartOnThisContextAsync(infrastructure, settings, consumed));
        }
    }

    private static async Task<ServiceFactory<Program>> StartOnThisContextAsync(IsolatedInfrastructure infrastructure, Dictionary<string, string?> settings, ConcurrentDictionary<Guid, int> consumed)
    {
        var factory = new ServiceFactory<Program>(infrastructure, settings);
        using var client = factory.CreateClient();
        await Eventually.True(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, "Notifications to be ready");
        factory.Services.GetRequiredService<IBus>().ConnectConsumeObserver(new NotificationsFixture.CountingObserver(consumed));
        return factory;
    }

    public async ValueTask InitializeAsync()
    {
        Infrastructure = await IsolatedInfrastructure.CreateAsync("notif2");
        First = await StartAsync(Infrastructure, Settings(), Consumed);
        Second = await StartAsync(Infrastructure, Settings(), Consumed);
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Infrastructure.DisposeAsync();
    }
}

public sealed class MultipleInstanceTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    [Fact]
    public async Task Two_instances_given_the_same_message_repeatedly_deliver_each_subscription_exactly_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var predictionId = NotificationsFixture.NewPredictionId();
        using var client = NotificationsFixture.ClientOf(fixture.First);
        var subscriptions = new List<Guid>();
        for (var i = 0; i < 60; i++)
        {
            var (id, _) = await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url($"/hook/{i}").ToString() },
                new { predictionIds = new[] { predictionId } });
            subscriptions.Add(id);
        }

        var message = NotificationsFixture.StatusChanged(predictionId);
        var eventId = Guid.NewGuid();
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            (i % 2 == 0 ? fixture.First : fixture.Second).Services.GetRequiredService<IBus>().Publish(message, c => c.MessageId = eventId)));
        await Eventually.True(() => Task.FromResult(fixture.Consumed.GetValueOrDefault(eventId) >= 6), "all six copies consumed");

        await Eventually.True(() => Task.FromResult(receiver.Received.Count >= 60), "sixty webhooks");
        foreach (var id in subscriptions)
        {
            var deliveries = await NotificationsFixture.DeliveriesAsync(client, id);
            deliveries.ShouldHaveSingleItem();
        }
        await Eventually.True(async () => (await Task.WhenAll(subscriptions.Select(id => NotificationsFixture.DeliveriesAsync(client, id))))
            .All(d => d[0].GetProperty("state").GetString() == "delivered"), "every delivery recorded as delivered");
        receiver.Received.Count.ShouldBe(60);
        receiver.Received.Select(r => r.Headers["webhook-id"]).Distinct().Count().ShouldBe(60);
    }
}

public sealed class RestartTests
{
    [Fact]
    public async Task Deliveries_interrupted_by_a_stop_are_completed_after_restart_once_per_webhook_id()
    {
        await using var infrastructure = await IsolatedInfrastructure.CreateAsync("notif3");
        var consumed = new ConcurrentDictionary<Guid, int>();
        // The default two-minute lease: a graceful stop releases its claims rather than letting them lapse.
        var settings = TwoInstancesFixture.Settings();
        await using var receiver = await WebhookReceiver.StartAsync();
        var answering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (_, _) =>
        {
            await answering.Task;
            return Results.Ok();
        };
        var predictionId = NotificationsFixture.NewPredictionId();
        var subscriptions = new List<Guid>();

        var first = await TwoInstancesFixture.StartAsync(infrastructure, settings, consumed);
        using (var client = NotificationsFixture.ClientOf(first))
        {
            for (var i = 0; i < 3; i++)
            {
                subscriptions.Add((await NotificationsFixture.SubscribeAsync(client, new { type = "webhook", url = receiver.Url($"/hook/{i}").ToString() },
                    new { predictionIds = new[] { predictionId } })).Id);
            }
        }
        await first.Services.GetRequiredService<IBus>().Publish(NotificationsFixture.StatusChanged(predictionId), c => c.MessageId = Guid.NewGuid());
        await Eventually.True(() => Task.FromResult(receiver.Received.Count >= 3), "three deliveries in flight");
        await first.DisposeAsync();
        answering.SetResult();

        await using var second = await TwoInstancesFixture.StartAsync(infrastructure, settings, consumed);
        using var after = NotificationsFixture.ClientOf(second);
        await Eventually.True(async () => (await Task.WhenAll(subscriptions.Select(id => NotificationsFixture.DeliveriesAsync(after, id))))
            .All(d => d.Length == 1 && d[0].GetProperty("state").GetString() == "delivered"), "every delivery completed after the restart");
        var ids = receiver.Received.Select(r => r.Headers["webhook-id"]).ToList();
        ids.Distinct().Count().ShouldBe(3);
        ids.GroupBy(id => id).ShouldAllBe(g => g.Count() <= 2);
    }
}
