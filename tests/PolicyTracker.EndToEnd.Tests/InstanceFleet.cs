using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// Several instances of the services (<see cref="ServiceInstance"/> processes, "Ingestion-2") on one
/// <see cref="PrivatePostgres"/>, with a run id of their own: what the scale-out and failover tests share.
/// The statements' source URLs carry the run id, so a statement sent again is a duplicate with the same id.
/// The broker, the faults and the test's own checks stay in each test. Disposing stops the instances
/// (the test owns the database).
/// </summary>
/// <param name="label">Names the statements' source ("scale" → https://example.org/scale/…) and the saved logs.</param>
/// <param name="patience">How long Ingestion may take to accept the warm-up and each batch.</param>
/// <param name="logTailLines">How many of each instance's last log lines a timeout shows.</param>
internal sealed class InstanceFleet(PrivatePostgres postgres, string label, TimeSpan patience, int logTailLines) : IAsyncDisposable
{
    private static readonly string[] Predictions =
    [
        "sanctions-relief", "minsk-elections", "minsk-ceasefire-collapse", "iran-deal", "counterterrorism-cooperation",
        "baltic-attack", "near-abroad-pressure", "china-containment", "kuril-islands", "detente-fails", "syria-victory",
    ];

    public string Run { get; } = Guid.NewGuid().ToString("N")[..8];
    public PrivatePostgres Postgres => postgres;
    public List<ServiceInstance> Instances { get; } = [];

    /// <summary>Statement batches each Ingestion instance accepted, by instance name.</summary>
    public Dictionary<string, int> BatchesAccepted { get; } = [];

    /// <summary>Starts instance <paramref name="number"/> of <paramref name="service"/>, named "Service-number" in its logs and database sessions.</summary>
    public ServiceInstance Start(string service, int number, string rabbitmq, IReadOnlyDictionary<string, string> environment)
    {
        var name = $"{service}-{number}";
        var instance = ServiceInstance.Start(service, name, postgres.ConnectionString(name), rabbitmq, environment: environment);
        Instances.Add(instance);
        return instance;
    }

    public IEnumerable<ServiceInstance> Alive(string service) =>
        Instances.Where(i => i.Name.StartsWith(service + "-") && !i.HasExited);

    public static HttpClient Client(ServiceInstance instance, string apiKey = "analyst-dev-key") =>
        new HttpClient { BaseAddress = instance.Address, Timeout = TimeSpan.FromSeconds(30) }.WithApiKey(apiKey);

    private object Statement(string key, string prediction, bool supports = true) => new
    {
        text = $"Officials signal a shift bearing on {prediction} ({key}).",
        publishedAt = "2026-11-20T10:00:00Z",
        source = new { url = $"https://example.org/{label}/{Run}/{key}", title = $"{char.ToUpperInvariant(label[0])}{label[1..]} {key}", publisher = "Test wire" },
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
                $"{ingestion.Name} to accept statements linked to every seeded prediction", patience);
        }
    }

    /// <summary>
    /// Sends the batches in turn to the live Ingestion instances; a batch that fails (an instance gone,
    /// the database restarting) is sent again, to the other instance too: the source URL makes a repeat a
    /// duplicate with the same id. <paramref name="beforeBatch"/> runs the fault alongside, so statements
    /// keep flowing while it happens. Statement keys are "<paramref name="key"/>-n".
    /// </summary>
    public async Task<HashSet<Guid>> SubmitAsync(string key, int batches, int batchSize, Func<int, Task> beforeBatch)
    {
        var accepted = new HashSet<Guid>();
        var faults = new List<Task>();
        var turn = 0;
        for (var batch = 0; batch < batches; batch++)
        {
            faults.Add(beforeBatch(batch));
            var body = Enumerable.Range(0, batchSize)
                .Select(i => batch * batchSize + i)
                .Select(n => Statement($"{key}-{n}", Predictions[n % Predictions.Length], supports: n / Predictions.Length % 2 == 0))
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
                $"batch {batch} to be accepted", patience);
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

    private Task<List<string>> LockHoldersAsync() => postgres.QueryAsync(
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

    /// <summary>0 lost, 0 duplicated: every accepted statement's development in the Tracker, and none logged twice.</summary>
    public async Task AssertEveryDevelopmentArrivedOnceAsync(HashSet<Guid> accepted, TimeSpan catchUp)
    {
        var missing = accepted.Count;
        await WithLogsAsync(() => Eventually.True(async () =>
            {
                var arrived = await postgres.QueryAsync(
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
            }, $"every accepted statement's development in the Tracker ({accepted.Count} accepted)", catchUp), () => $"{missing} missing");

        var duplicated = await postgres.QueryAsync(
            """
            select count(*) from (select data->>'statementId' from tracker.mt_events
            where type = 'development_logged' group by 1 having count(*) > 1) d
            """,
            reader => reader.Read() ? reader.GetInt64(0) : -1);
        duplicated.ShouldBe(0, "statements whose development the Tracker logged more than once");
    }

    /// <summary>A timeout names what was still missing and shows the last log lines of <paramref name="of"/> (every instance when null).</summary>
    public async Task WithLogsAsync(Func<Task> wait, Func<string>? status = null, IEnumerable<ServiceInstance>? of = null)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} {status?.Invoke()}\n{string.Join("\n", (of ?? Instances).Select(i => i.LogTail(logTailLines)))}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in Instances)
        {
            // What the instances went through, kept when asked for (PT_FAILOVER_LOGS=folder).
            if (Environment.GetEnvironmentVariable("PT_FAILOVER_LOGS") is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
                await File.WriteAllTextAsync(Path.Combine(folder, $"{label}-{Run}-{instance.Name}.log"), instance.Log());
            }
            await instance.DisposeAsync();
        }
    }
}
