using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// Issue 15: two instances each of Ingestion and the Tracker (real processes, HotCold daemon, one
/// database and vhost) while statements flow, through PostgreSQL restarts (<c>pg_ctl restart -m fast</c>)
/// and, separately, <c>kill -9</c> of the instances holding the subscriptions' advisory locks. Afterwards
/// every accepted statement's development is in the Tracker exactly once, both outbox subscriptions have
/// caught up, and exactly one live instance of each service runs each one. The race that stopped
/// forwarding for good is also provoked directly, on one instance. Issue 10 item 6: a service started
/// while PostgreSQL restarts comes up instead of exiting.
/// </summary>
public sealed class SubscriptionFailoverTests
{
    private const int Batches = 40;
    private const int BatchSize = 50; // 2,000 statements a test

    /// <summary>Several instances share one database: the production daemon mode, one node per subscription.</summary>
    private static readonly Dictionary<string, string> HotCold = new() { ["Marten__DaemonMode"] = "HotCold" };
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Every_accepted_statement_reaches_the_tracker_once_while_postgres_restarts()
    {
        await using var system = await Cluster.StartAsync(instancesPerService: 2);
        var accepted = await system.Fleet.SubmitAsync("restart", Batches, BatchSize, async batch =>
        {
            if (batch is Batches / 3 or 2 * Batches / 3)
            {
                await system.Postgres.RestartAsync();
            }
        });
        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);
    }

    [Fact]
    public async Task Every_accepted_statement_reaches_the_tracker_once_when_the_lock_holders_are_killed()
    {
        await using var system = await Cluster.StartAsync(instancesPerService: 2);
        var killed = new List<string>();
        var accepted = await system.Fleet.SubmitAsync("kill", Batches, BatchSize, async batch =>
        {
            if (batch == Batches / 3)
            {
                killed.Add(await system.Fleet.KillLockHolderAsync("Ingestion"));
            }
            if (batch == 2 * Batches / 3)
            {
                killed.Add(await system.Fleet.KillLockHolderAsync("Tracker"));
            }
        });
        killed.Count.ShouldBe(2);
        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);
    }

    [Fact]
    public async Task A_subscription_that_loses_a_progression_race_is_restarted_from_the_committed_progress()
    {
        await using var system = await Cluster.StartAsync(instancesPerService: 1);
        var accepted = await system.Fleet.SubmitAsync("before", 2, BatchSize, _ => Task.CompletedTask);
        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);

        // What a second instance does to the running forwarder when both run it for a moment after a
        // database restart: the progression row moves underneath it, so its next progress write fails
        // with ProgressionProgressOutOfOrderException, the one failure the daemon answers with Stopped.
        (await system.Postgres.QueryAsync(
            "update ingestion.mt_event_progression set last_seq_id = last_seq_id - 1 where name = 'development-forwarding:All'",
            reader => reader.RecordsAffected)).ShouldBe(1);
        accepted.UnionWith(await system.Fleet.SubmitAsync("after", 2, BatchSize, _ => Task.CompletedTask));

        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);
        system.Fleet.Instances.Single(i => i.Name == "Ingestion-1").Log().ShouldContain("is out of order");
    }

    [Fact]
    public async Task A_service_started_while_postgres_restarts_becomes_ready_instead_of_exiting()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var rabbit = await IsolatedInfrastructure.CreateAsync("startup");
        await postgres.StopAsync();
        await using var ingestion = ServiceInstance.Start("Ingestion", "Ingestion-1", postgres.ConnectionString("Ingestion-1"), rabbit.RabbitConnectionString, environment: HotCold);
        // The server is down at the first attempts, then restarts again and again while the service
        // connects and applies its schema (57P01 to open sessions, 57P03 while starting and stopping).
        await Eventually.True(() => Task.FromResult(ingestion.Log().Contains("Waiting for PostgreSQL") || ingestion.HasExited),
            "Ingestion to try PostgreSQL while it is down");
        await postgres.StartAgainAsync();
        for (var restart = 0; restart < 6; restart++)
        {
            await postgres.RestartAsync();
        }
        await ingestion.WaitUntilReadyAsync();
        ingestion.HasExited.ShouldBeFalse(ingestion.LogTail());
        ingestion.Log().ShouldNotContain("Hosting failed to start");
    }

    /// <summary>Trackers and Ingestions (one or two of each) on a PostgreSQL of their own and a vhost of their own.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        public required InstanceFleet Fleet { get; init; }
        public required IsolatedInfrastructure Rabbit { get; init; }
        public PrivatePostgres Postgres => Fleet.Postgres;

        public static async Task<Cluster> StartAsync(int instancesPerService)
        {
            var postgres = await PrivatePostgres.StartAsync();
            var rabbit = await IsolatedInfrastructure.CreateAsync("failover");
            var fleet = new InstanceFleet(postgres, "failover", patience: TimeSpan.FromSeconds(60), logTailLines: 40);
            foreach (var service in new[] { "Tracker", "Ingestion" })
            {
                for (var number = 1; number <= instancesPerService; number++)
                {
                    fleet.Start(service, number, rabbit.RabbitConnectionString, HotCold);
                }
            }
            var system = new Cluster { Fleet = fleet, Rabbit = rabbit };
            await Task.WhenAll(fleet.Instances.Select(i => i.WaitUntilReadyAsync()));
            await fleet.WarmUpAsync();
            return system;
        }

        public async Task AssertEveryDevelopmentArrivedOnceAsync(HashSet<Guid> accepted)
        {
            await Fleet.AssertEveryDevelopmentArrivedOnceAsync(accepted, CatchUp);

            // Both outboxes caught up, as each live instance's readiness reports, and each runs on exactly one instance.
            foreach (var (service, subscription) in new[] { ("Ingestion", "development-forwarding:All"), ("Tracker", "integration-events:All") })
            {
                await Fleet.WithLogsAsync(() => Eventually.True(async () =>
                {
                    var states = new List<string>();
                    foreach (var instance in Fleet.Alive(service))
                    {
                        var entry = (await ReadinessAsync(instance)).GetProperty("checks").GetProperty("subscriptions").GetProperty("data").GetProperty(subscription);
                        if (entry.GetProperty("lag").GetInt64() != 0)
                        {
                            return false;
                        }
                        states.Add(entry.GetProperty("state").GetString()!);
                    }
                    return states.Count(s => s == "running") == 1 && states.All(s => s is "running" or "standby");
                }, $"{subscription} caught up (lag 0) and running on exactly one live {service} instance", TimeSpan.FromSeconds(60)), () => "");
            }
        }

        private static async Task<JsonElement> ReadinessAsync(ServiceInstance instance)
        {
            using var client = InstanceFleet.Client(instance);
            var response = await client.GetAsync("/health/ready");
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        private static int Count(string text, string phrase) =>
            (text.Length - text.Replace(phrase, "").Length) / phrase.Length;

        public async ValueTask DisposeAsync()
        {
            // What the instances went through, for the test output: races lost, subscriptions handed back.
            foreach (var instance in Fleet.Instances)
            {
                var log = instance.Log();
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"{instance.Name}{(instance.HasExited ? " (killed)" : "")}: {Count(log, "ProgressionProgressOutOfOrderException: Progression")} out-of-order log lines, " +
                    $"{Count(log, "handing it back to the coordinator")} subscriptions handed back, {Count(log, "Error trying to process subscription")} subscription errors");
            }
            await Fleet.DisposeAsync();
            await Rabbit.DisposeAsync();
            await Postgres.DisposeAsync();
        }
    }
}
