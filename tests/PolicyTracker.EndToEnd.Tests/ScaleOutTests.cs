using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// Issue 11 (Scale-out): two instances each of Ingestion, the Tracker and Notifications on one database and a
/// real three-node RabbitMQ cluster (deploy/local/infra.sh --cluster). Statements flow while one instance of
/// each service is killed (kill -9) in turn and one broker node is stopped and started again. Afterwards every
/// accepted statement's development is in the Tracker exactly once, every development reached the webhook
/// subscriber, each prediction's webhooks arrived in stream version order, and both instances of each service
/// did work (the partitions are spread, not held by one instance while the other idles).
/// </summary>
public sealed class ScaleOutTests
{
    private const int Batches = 40;
    private const int BatchSize = 50; // 2,000 statements
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(300);

    private static readonly string[] Predictions =
    [
        "sanctions-relief", "minsk-elections", "minsk-ceasefire-collapse", "iran-deal", "counterterrorism-cooperation",
        "baltic-attack", "near-abroad-pressure", "china-containment", "kuril-islands", "detente-fails", "syria-victory",
    ];

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Two_instances_of_each_service_on_a_three_node_cluster_lose_duplicate_and_reorder_nothing_through_kills_and_a_node_restart()
    {
        await using var broker = await BrokerCluster.StartAsync();
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        var instances = new List<ServiceInstance>();
        try
        {
            foreach (var service in new[] { "Tracker", "Ingestion", "Notifications" })
            {
                for (var number = 1; number <= 2; number++)
                {
                    var name = $"{service}-{number}";
                    instances.Add(ServiceInstance.Start(service, name, postgres.ConnectionString(name), broker.ConnectionString, environment: new Dictionary<string, string>
                    {
                        // Several instances share one database: the production daemon mode, one node per subscription.
                        ["Marten__DaemonMode"] = "HotCold",
                        ["Messaging__ClusterNodes"] = broker.ClusterNodes,
                        ["Messaging__Partitions__Instances"] = "2",
                        ["Messaging__Partitions__Instance"] = (number - 1).ToString(),
                        ["Messaging__Partitions__TakeoverDelay"] = "00:00:05",
                        // Each received message is logged (RECEIVE ...): how the test tells which instance did work.
                        ["Logging__LogLevel__MassTransit"] = "Debug",
                    }));
                }
            }
            await WithLogs(instances, () => Task.WhenAll(instances.Select(i => i.WaitUntilReadyAsync(TimeSpan.FromSeconds(240)))));
            var system = new Scaled(instances, postgres, _run);

            using (var subscriber = Client(system.Alive("Notifications").First(), "subscriber-dev-key"))
            {
                var subscribed = await subscriber.PostAsJsonAsync("/api/subscriptions", new
                {
                    channel = new { type = "webhook", url = receiver.Url("/scale").ToString() },
                    filter = new { events = new[] { "development-logged" } },
                });
                subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
            }
            await system.WarmUpAsync();

            var killed = new List<string>();
            Task nodeDown = Task.CompletedTask;
            var accepted = await system.SubmitAsync(Batches, BatchSize, async batch =>
            {
                switch (batch)
                {
                    case 4:
                        killed.Add(await system.KillWhenBothWorkedAsync("Tracker", "log-development-"));
                        break;
                    case 10:
                        killed.Add(await system.KillLockHolderAsync("Ingestion"));
                        break;
                    case 16:
                        killed.Add(await system.KillWhenBothWorkedAsync("Notifications", "notifications-prediction-events-"));
                        break;
                    case 20:
                        // The first node, the one every service connected to first: they must move to the others.
                        nodeDown = broker.StopNodeAsync(1);
                        await nodeDown;
                        break;
                    case 30:
                        await nodeDown;
                        await broker.StartNodeAsync(1);
                        break;
                }
            });
            killed.Count.ShouldBe(3);

            // 0 lost, 0 duplicated developments.
            var missing = accepted.Count;
            await WithLogs(instances, () => Eventually.True(async () =>
            {
                var arrived = await postgres.QueryAsync("select distinct (data->>'statementId')::uuid from tracker.mt_doc_developmentrecord", ReadGuids);
                missing = accepted.Count(id => !arrived.Contains(id));
                return missing == 0;
            }, $"every accepted statement's development in the Tracker ({accepted.Count} accepted)", CatchUp), () => $"{missing} missing");
            var duplicated = await postgres.QueryAsync(
                "select count(*) from (select data->>'statementId' from tracker.mt_events where type = 'development_logged' group by 1 having count(*) > 1) d",
                reader => reader.Read() ? reader.GetInt64(0) : -1);
            duplicated.ShouldBe(0, "statements whose development the Tracker logged more than once");

            // Every development's webhook delivered: one per development_logged event, identified by prediction and version.
            var expected = await postgres.QueryAsync(
                "select stream_id, version from tracker.mt_events where type = 'development_logged'",
                reader =>
                {
                    var set = new HashSet<(string, long)>();
                    while (reader.Read())
                    {
                        set.Add((reader.GetString(0), reader.GetInt64(1)));
                    }
                    return set;
                });
            expected.Count.ShouldBeGreaterThanOrEqualTo(accepted.Count);
            List<(string WebhookId, string Prediction, long Version)> firsts = [];
            await WithLogs(instances, () => Eventually.True(() =>
            {
                firsts = FirstArrivals(receiver.Received);
                return Task.FromResult(expected.All(e => firsts.Any(f => f.Prediction == e.Item1 && f.Version == e.Item2))
                    && firsts.Count >= expected.Count);
            }, $"a webhook for each of the {expected.Count} developments", CatchUp), () => $"{firsts.Count} distinct webhooks received");
            firsts.Select(f => (f.Prediction, f.Version)).ToHashSet().SetEquals(expected).ShouldBeTrue("the webhooks are exactly the developments");
            firsts.Count.ShouldBe(expected.Count, "one webhook-id per development");

            // 0 order inversions: per prediction, the webhooks' first arrivals in stream version order.
            var inversions = firsts.GroupBy(f => f.Prediction)
                .Sum(g => g.Zip(g.Skip(1)).Count(pair => pair.Second.Version < pair.First.Version));
            inversions.ShouldBe(0, "webhooks that arrived before an earlier version of their prediction");

            // Both instances of each service did work.
            foreach (var (service, queue) in new[] { ("Tracker", "log-development-"), ("Notifications", "notifications-prediction-events-") })
            {
                foreach (var instance in instances.Where(i => i.Name.StartsWith(service + "-")))
                {
                    Scaled.Received(instance, queue).ShouldBeGreaterThan(0, $"{instance.Name} consumed from {queue}*");
                }
            }
            foreach (var (name, batches) in system.BatchesAccepted)
            {
                batches.ShouldBeGreaterThan(0, $"{name} accepted statement batches");
            }
            system.BatchesAccepted.Count.ShouldBe(2);

            // The queues are quorum queues, the partitions replicated on all three nodes.
            var queues = await broker.QueuesAsync();
            foreach (var queue in queues.Where(q => q.GetProperty("durable").GetBoolean()))
            {
                queue.GetProperty("type").GetString().ShouldBe("quorum", queue.GetProperty("name").GetString());
            }
            foreach (var partition in queues.Where(q => q.GetProperty("name").GetString() is { } n && n.StartsWith("log-development-") && !n.EndsWith("_error")))
            {
                partition.GetProperty("members").GetArrayLength().ShouldBe(3, partition.GetProperty("name").GetString());
            }

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{accepted.Count} statements, {expected.Count} developments and webhooks, killed {string.Join(", ", killed)}; " +
                string.Join(", ", instances.Select(i => $"{i.Name}: {Scaled.Received(i, "log-development-") + Scaled.Received(i, "notifications-prediction-events-")} messages")) +
                "; batches " + string.Join(", ", system.BatchesAccepted.Select(b => $"{b.Key}: {b.Value}")));
        }
        finally
        {
            foreach (var instance in instances)
            {
                if (Environment.GetEnvironmentVariable("PT_FAILOVER_LOGS") is { Length: > 0 } folder)
                {
                    Directory.CreateDirectory(folder);
                    await File.WriteAllTextAsync(Path.Combine(folder, $"scale-{_run}-{instance.Name}.log"), instance.Log());
                }
                await instance.DisposeAsync();
            }
        }
    }

    /// <summary>Each webhook-id once, in the order of its first arrival, with the prediction and version it carries.</summary>
    private static List<(string WebhookId, string Prediction, long Version)> FirstArrivals(IEnumerable<ReceivedWebhook> received)
    {
        var seen = new HashSet<string>();
        var firsts = new List<(string, string, long)>();
        foreach (var webhook in received.OrderBy(r => r.ReceivedAt))
        {
            if (!seen.Add(webhook.Headers["webhook-id"]))
            {
                continue;
            }
            var data = JsonDocument.Parse(webhook.Body).RootElement.GetProperty("data");
            firsts.Add((webhook.Headers["webhook-id"], data.GetProperty("predictionId").GetString()!, data.GetProperty("version").GetInt64()));
        }
        return firsts;
    }

    private static HashSet<Guid> ReadGuids(Npgsql.NpgsqlDataReader reader)
    {
        var ids = new HashSet<Guid>();
        while (reader.Read())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    private static HttpClient Client(ServiceInstance instance, string apiKey = "analyst-dev-key")
    {
        var client = new HttpClient { BaseAddress = instance.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>A timeout names what was still missing and shows every instance's last log lines.</summary>
    private static async Task WithLogs(IEnumerable<ServiceInstance> instances, Func<Task> wait, Func<string>? status = null)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} {status?.Invoke()}\n{string.Join("\n", instances.Select(i => i.LogTail(30)))}", ex);
        }
    }

    private sealed class Scaled(List<ServiceInstance> instances, PrivatePostgres postgres, string run)
    {
        public Dictionary<string, int> BatchesAccepted { get; } = [];

        public IEnumerable<ServiceInstance> Alive(string service) =>
            instances.Where(i => i.Name.StartsWith(service + "-") && !i.HasExited);

        /// <summary>Messages an instance received from queues whose name starts with <paramref name="queuePrefix"/> (MassTransit's RECEIVE log lines).</summary>
        public static int Received(ServiceInstance instance, string queuePrefix) =>
            instance.Log().Split('\n').Count(line => line.Contains("RECEIVE") && line.Contains("/" + queuePrefix));

        private object Statement(string key, string prediction, bool supports = true) => new
        {
            text = $"Officials signal a shift bearing on {prediction} ({key}).",
            publishedAt = "2026-11-20T10:00:00Z",
            source = new { url = $"https://example.org/scale/{run}/{key}", title = $"Scale {key}", publisher = "Test wire" },
            // Alternating weak evidence keeps every prediction open and its probability moving.
            links = new[] { new { predictionId = prediction, stance = supports ? "supports" : "undermines", strength = "weak" } },
        };

        /// <summary>Ingestion learns the predictions from the Tracker after start; until then links are refused.</summary>
        public async Task WarmUpAsync()
        {
            foreach (var ingestion in Alive("Ingestion"))
            {
                using var client = Client(ingestion);
                var warmUp = Predictions.Select((p, i) => Statement($"warm-{ingestion.Name}-{i}", p)).ToArray();
                await Eventually.Get(
                    async () =>
                    {
                        var answer = await client.PostAsJsonAsync("/api/statements/batch", warmUp);
                        return answer.StatusCode == HttpStatusCode.Accepted ? await answer.Content.ReadFromJsonAsync<JsonElement>() : default;
                    },
                    r => r.ValueKind == JsonValueKind.Object && r.GetProperty("rejected").GetArrayLength() == 0,
                    $"{ingestion.Name} to accept statements linked to every seeded prediction", TimeSpan.FromSeconds(120));
            }
        }

        /// <summary>
        /// The batches in turn to the live Ingestion instances; a failed one (an instance gone) goes again,
        /// to the other one too: the source URL makes a repeat a duplicate with the same id. The fault runs
        /// alongside, so statements keep flowing while it happens.
        /// </summary>
        public async Task<HashSet<Guid>> SubmitAsync(int batches, int batchSize, Func<int, Task> beforeBatch)
        {
            var accepted = new HashSet<Guid>();
            var faults = new List<Task>();
            var turn = 0;
            for (var batch = 0; batch < batches; batch++)
            {
                faults.Add(beforeBatch(batch));
                var body = Enumerable.Range(0, batchSize)
                    .Select(i => batch * batchSize + i)
                    .Select(n => Statement($"s-{n}", Predictions[n % Predictions.Length], supports: n / Predictions.Length % 2 == 0))
                    .ToArray();
                var response = await Eventually.Get(
                    async () =>
                    {
                        var live = Alive("Ingestion").ToList();
                        var target = live[turn++ % live.Count];
                        using var client = Client(target);
                        var answer = await client.PostAsJsonAsync("/api/statements/batch", body);
                        if (answer.StatusCode != HttpStatusCode.Accepted)
                        {
                            return default;
                        }
                        BatchesAccepted[target.Name] = BatchesAccepted.GetValueOrDefault(target.Name) + 1;
                        return await answer.Content.ReadFromJsonAsync<JsonElement>();
                    },
                    r => r.ValueKind == JsonValueKind.Object,
                    $"batch {batch} to be accepted", TimeSpan.FromSeconds(120));
                response.GetProperty("rejected").GetArrayLength().ShouldBe(0, response.ToString());
                foreach (var statement in response.GetProperty("statements").EnumerateArray())
                {
                    accepted.Add(statement.GetProperty("id").GetGuid());
                }
            }
            await Task.WhenAll(faults);
            accepted.Count.ShouldBe(batches * batchSize);
            return accepted;
        }

        /// <summary>kill -9 of the first instance of <paramref name="service"/>, once both have consumed from its partitions.</summary>
        public async Task<string> KillWhenBothWorkedAsync(string service, string queuePrefix)
        {
            var pair = Alive(service).ToList();
            await WithLogs(pair, () => Eventually.True(() => Task.FromResult(pair.All(i => Received(i, queuePrefix) > 0)),
                $"both {service} instances to consume from {queuePrefix}*", TimeSpan.FromSeconds(180)));
            var victim = pair[0];
            await victim.KillAsync();
            return victim.Name;
        }

        /// <summary>kill -9 of the live instance of <paramref name="service"/> holding its outbox subscription's advisory lock.</summary>
        public async Task<string> KillLockHolderAsync(string service)
        {
            var holder = await Eventually.Get(
                async () => (await postgres.QueryAsync(
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
                    })).FirstOrDefault(h => h.StartsWith(service + "-")),
                h => h is not null,
                $"one {service} instance to hold its subscription's lock");
            var victim = instances.Single(i => i.Name == holder);
            await victim.KillAsync();
            return victim.Name;
        }
    }

    /// <summary>
    /// The three-node cluster of deploy/local/infra.sh on PT_TEST_RABBIT_CLUSTER_BASE (default 35820), started
    /// here unless it already runs (then left running), and a vhost of this test's own on it.
    /// </summary>
    private sealed class BrokerCluster : IAsyncDisposable
    {
        private readonly int _base;
        private readonly string _vhost = "scale_" + Guid.NewGuid().ToString("N")[..12];
        private bool _startedHere;

        private BrokerCluster(int @base) => _base = @base;

        private int AmqpPort(int node) => _base + 4 * (node - 1);
        private int ManagementPort(int node) => _base + 4 * (node - 1) + 1;

        public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{AmqpPort(1)}/{_vhost}";
        public string ClusterNodes => string.Join(",", Enumerable.Range(1, 3).Select(n => $"127.0.0.1:{AmqpPort(n)}"));

        public static async Task<BrokerCluster> StartAsync()
        {
            var @base = int.TryParse(Environment.GetEnvironmentVariable("PT_TEST_RABBIT_CLUSTER_BASE"), out var b) ? b : 35820;
            var cluster = new BrokerCluster(@base);
            var (_, status) = await cluster.InfraAsync("status", "--cluster");
            if (status.Split('\n').Count(l => l.Contains("cluster node") && l.Contains(": running")) < 3)
            {
                var (code, output) = await cluster.InfraAsync("start-rabbitmq", "--cluster");
                code.ShouldBe(0, output);
                cluster._startedHere = true;
            }
            await cluster.ManagementAsync(1, HttpMethod.Put, $"/api/vhosts/{cluster._vhost}", new { });
            await cluster.ManagementAsync(1, HttpMethod.Put, $"/api/permissions/{cluster._vhost}/guest", new { configure = ".*", write = ".*", read = ".*" });
            return cluster;
        }

        public async Task StopNodeAsync(int node)
        {
            var (code, output) = await InfraAsync("stop-node", node.ToString());
            code.ShouldBe(0, output);
        }

        public async Task StartNodeAsync(int node)
        {
            var (code, output) = await InfraAsync("start-node", node.ToString());
            code.ShouldBe(0, output);
        }

        public async Task<List<JsonElement>> QueuesAsync()
        {
            using var response = await ManagementAsync(2, HttpMethod.Get, $"/api/queues/{_vhost}", null);
            return (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!;
        }

        private async Task<HttpResponseMessage> ManagementAsync(int node, HttpMethod method, string path, object? body)
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort(node)}") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return response;
        }

        private async Task<(int Code, string Output)> InfraAsync(params string[] arguments)
        {
            var info = new ProcessStartInfo("bash", [Path.Combine(ServiceProcesses.RepositoryRoot(), "deploy", "local", "infra.sh"), .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.Environment["PT_RABBIT_CLUSTER_BASE"] = _base.ToString();
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                (await ManagementAsync(2, HttpMethod.Delete, $"/api/vhosts/{_vhost}", null)).Dispose();
            }
            catch (HttpRequestException)
            {
                // The cluster is stopped below anyway, or the vhost goes with a later cleanup.
            }
            if (_startedHere)
            {
                await InfraAsync("stop-rabbitmq", "--cluster");
            }
        }
    }
}
