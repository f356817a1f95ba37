using System.Net;
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
        var accepted = await system.SubmitAsync("restart", Batches, async batch =>
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
        var accepted = await system.SubmitAsync("kill", Batches, async batch =>
        {
            if (batch == Batches / 3)
            {
                killed.Add(await system.KillLockHolderAsync("Ingestion"));
            }
            if (batch == 2 * Batches / 3)
            {
                killed.Add(await system.KillLockHolderAsync("Tracker"));
            }
        });
        killed.Count.ShouldBe(2);
        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);
    }

    [Fact]
    public async Task A_subscription_that_loses_a_progression_race_is_restarted_from_the_committed_progress()
    {
        await using var system = await Cluster.StartAsync(instancesPerService: 1);
        var accepted = await system.SubmitAsync("before", 2, _ => Task.CompletedTask);
        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);

        // What a second instance does to the running forwarder when both run it for a moment after a
        // database restart: the progression row moves underneath it, so its next progress write fails
        // with ProgressionProgressOutOfOrderException, the one failure the daemon answers with Stopped.
        (await system.Postgres.QueryAsync(
            "update ingestion.mt_event_progression set last_seq_id = last_seq_id - 1 where name = 'development-forwarding:All'",
            reader => reader.RecordsAffected)).ShouldBe(1);
        accepted.UnionWith(await system.SubmitAsync("after", 2, _ => Task.CompletedTask));

        await system.AssertEveryDevelopmentArrivedOnceAsync(accepted);
        system.Instances.Single(i => i.Name == "Ingestion-1").Log().ShouldContain("is out of order");
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
        private static readonly string[] Predictions =
        [
            "sanctions-relief", "minsk-elections", "minsk-ceasefire-collapse", "iran-deal", "counterterrorism-cooperation",
            "baltic-attack", "near-abroad-pressure", "china-containment", "kuril-islands", "detente-fails", "syria-victory",
        ];

        private readonly string _run = Guid.NewGuid().ToString("N")[..8];

        public required PrivatePostgres Postgres { get; init; }
        public required IsolatedInfrastructure Rabbit { get; init; }
        public required List<ServiceInstance> Instances { get; init; }

        private IEnumerable<ServiceInstance> Alive(string service) =>
            Instances.Where(i => i.Name.StartsWith(service + "-") && !i.HasExited);

        public static async Task<Cluster> StartAsync(int instancesPerService)
        {
            var postgres = await PrivatePostgres.StartAsync();
            var rabbit = await IsolatedInfrastructure.CreateAsync("failover");
            var instances = new List<ServiceInstance>();
            foreach (var service in new[] { "Tracker", "Ingestion" })
            {
                for (var number = 1; number <= instancesPerService; number++)
                {
                    var name = $"{service}-{number}";
                    instances.Add(ServiceInstance.Start(service, name, postgres.ConnectionString(name), rabbit.RabbitConnectionString, environment: HotCold));
                }
            }
            var system = new Cluster { Postgres = postgres, Rabbit = rabbit, Instances = instances };
            await Task.WhenAll(instances.Select(i => i.WaitUntilReadyAsync()));
            // Ingestion learns the predictions from the Tracker after start; until then links are refused.
            foreach (var ingestion in system.Alive("Ingestion"))
            {
                using var client = Client(ingestion);
                var warmUp = Predictions.Select((p, i) => system.Statement($"warm-{ingestion.Name}-{i}", p)).ToArray();
                await Eventually.Get(
                    async () =>
                    {
                        var answer = await client.PostAsJsonAsync("/api/statements/batch", warmUp);
                        return answer.StatusCode == HttpStatusCode.Accepted ? await answer.Content.ReadFromJsonAsync<JsonElement>() : default;
                    },
                    r => r.ValueKind == JsonValueKind.Object && r.GetProperty("rejected").GetArrayLength() == 0,
                    $"{ingestion.Name} to accept statements linked to every seeded prediction", TimeSpan.FromSeconds(60));
            }
            return system;
        }

        private object Statement(string key, string prediction, bool supports = true) => new
        {
            text = $"Officials signal a shift bearing on {prediction} ({key}).",
            publishedAt = "2026-11-20T10:00:00Z",
            source = new { url = $"https://example.org/failover/{_run}/{key}", title = $"Failover {key}", publisher = "Test wire" },
            // Alternating weak evidence keeps every prediction open and its probability moving.
            links = new[] { new { predictionId = prediction, stance = supports ? "supports" : "undermines", strength = "weak" } },
        };

        /// <summary>
        /// Sends the batches in turn to the live Ingestion instances; a batch that fails (an instance
        /// gone, the database restarting) is sent again, to the other instance too: the source URL makes
        /// a repeat a duplicate with the same id. <paramref name="beforeBatch"/> runs the fault
        /// alongside, so statements keep flowing while it happens.
        /// </summary>
        public async Task<HashSet<Guid>> SubmitAsync(string label, int batches, Func<int, Task> beforeBatch)
        {
            var accepted = new HashSet<Guid>();
            var faults = new List<Task>();
            var turn = 0;
            for (var batch = 0; batch < batches; batch++)
            {
                faults.Add(beforeBatch(batch));
                var body = Enumerable.Range(0, BatchSize)
                    .Select(i => batch * BatchSize + i)
                    .Select(n => Statement($"{label}-{n}", Predictions[n % Predictions.Length], supports: n / Predictions.Length % 2 == 0))
                    .ToArray();
                var response = await Eventually.Get(
                    async () =>
                    {
                        var live = Alive("Ingestion").ToList();
                        using var client = Client(live[turn++ % live.Count]);
                        var answer = await client.PostAsJsonAsync("/api/statements/batch", body);
                        return answer.StatusCode == HttpStatusCode.Accepted ? await answer.Content.ReadFromJsonAsync<JsonElement>() : default;
                    },
                    r => r.ValueKind == JsonValueKind.Object,
                    $"batch {batch} to be accepted", TimeSpan.FromSeconds(60));
                response.GetProperty("rejected").GetArrayLength().ShouldBe(0, response.ToString());
                foreach (var statement in response.GetProperty("statements").EnumerateArray())
                {
                    accepted.Add(statement.GetProperty("id").GetGuid());
                }
            }
            await Task.WhenAll(faults);
            accepted.Count.ShouldBe(batches * BatchSize);
            return accepted;
        }

        /// <summary>kill -9 of the live instance of <paramref name="service"/> holding its subscription's advisory lock.</summary>
        public async Task<string> KillLockHolderAsync(string service)
        {
            var holder = await Eventually.Get(
                async () => (await LockHoldersAsync()).SingleOrDefault(h => h.StartsWith(service + "-")),
                h => h is not null,
                $"one {service} instance to hold its subscription's lock");
            var victim = Instances.Single(i => i.Name == holder);
            await victim.KillAsync();
            return victim.Name;
        }

        private Task<List<string>> LockHoldersAsync() => Postgres.QueryAsync(
            """
            select distinct a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and a.datname = current_database()
            """,
            reader =>
            {
                var names = new List<string>();
                while (reader.Read())
                {
                    names.Add(reader.GetString(0));
                }
                return names;
            });

        public async Task AssertEveryDevelopmentArrivedOnceAsync(HashSet<Guid> accepted)
        {
            var missing = accepted.Count;
            await WithLogsAsync(() => Eventually.True(async () =>
                {
                    var arrived = await Postgres.QueryAsync(
                        "select distinct (data->>'statementId')::uuid from tracker.mt_doc_developmentrecord",
                        reader =>
                        {
                            var ids = new HashSet<Guid>();
                            while (reader.Read())
                            {
                                ids.Add(reader.GetGuid(0));
                            }
                            return ids;
                        });
                    missing = accepted.Count(id => !arrived.Contains(id));
                    return missing == 0;
                }, $"every accepted statement's development in the Tracker ({accepted.Count} accepted)", CatchUp), () => $"{missing} missing");

            var duplicated = await Postgres.QueryAsync(
                """
                select count(*) from (select data->>'statementId' from tracker.mt_events
                where type = 'development_logged' group by 1 having count(*) > 1) d
                """,
                reader => reader.Read() ? reader.GetInt64(0) : -1);
            duplicated.ShouldBe(0, "statements whose development the Tracker logged more than once");

            // Both outboxes caught up, as each live instance's readiness reports, and each runs on exactly one instance.
            foreach (var (service, subscription) in new[] { ("Ingestion", "development-forwarding:All"), ("Tracker", "integration-events:All") })
            {
                await WithLogsAsync(() => Eventually.True(async () =>
                {
                    var states = new List<string>();
                    foreach (var instance in Alive(service))
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
            using var client = Client(instance);
            var response = await client.GetAsync("/health/ready");
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        /// <summary>A timeout names what was still missing and shows every instance's last log lines.</summary>
        private async Task WithLogsAsync(Func<Task> wait, Func<string> status)
        {
            try
            {
                await wait();
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message} {status()}\n{string.Join("\n", Instances.Select(i => i.LogTail(40)))}", ex);
            }
        }

        private static int Count(string text, string phrase) =>
            (text.Length - text.Replace(phrase, "").Length) / phrase.Length;

        private static HttpClient Client(ServiceInstance instance)
        {
            var client = new HttpClient { BaseAddress = instance.Address, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Add("X-Api-Key", "analyst-dev-key");
            return client;
        }

        public async ValueTask DisposeAsync()
        {
            // What the instances went through, for the test output: races lost, subscriptions handed back.
            foreach (var instance in Instances)
            {
                var log = instance.Log();
                if (Environment.GetEnvironmentVariable("PT_FAILOVER_LOGS") is { Length: > 0 } folder)
                {
                    Directory.CreateDirectory(folder);
                    await File.WriteAllTextAsync(Path.Combine(folder, $"{_run}-{instance.Name}.log"), log);
                }
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"{instance.Name}{(instance.HasExited ? " (killed)" : "")}: {Count(log, "ProgressionProgressOutOfOrderException: Progression")} out-of-order log lines, " +
                    $"{Count(log, "handing it back to the coordinator")} subscriptions handed back, {Count(log, "Error trying to process subscription")} subscription errors");
            }
            foreach (var instance in Instances)
            {
                await instance.DisposeAsync();
            }
            await Rabbit.DisposeAsync();
            await Postgres.DisposeAsync();
        }
    }
}
