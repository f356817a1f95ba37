using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using PolicyTracker.Testing;

namespace PolicyTracker.Bench;

/// <summary>
/// The four services as processes from the build output (as run.sh starts them, on free loopback ports,
/// never 8080-8084), on a database and vhost of this run's own on the PostgreSQL and RabbitMQ that
/// deploy/local/infra.sh runs. Counts come from the services' own tables, read-only.
/// </summary>
public sealed class BenchSystem : IAsyncDisposable
{
    public static readonly string[] Services = ["Tracker", "Ingestion", "Notifications", "Gateway"];
    private readonly Dictionary<string, Process> _processes = [];
    private readonly Dictionary<string, int> _ports = Services.ToDictionary(s => s, _ => ServiceProcesses.FreePort());
    private readonly string _logDirectory;

    public IsolatedInfrastructure Infrastructure { get; }
    public Uri Gateway => new($"http://127.0.0.1:{_ports["Gateway"]}");
    public IReadOnlyDictionary<string, Process> Processes => _processes;

    private BenchSystem(IsolatedInfrastructure infrastructure, string logDirectory)
    {
        Infrastructure = infrastructure;
        _logDirectory = logDirectory;
    }

    public static async Task<BenchSystem> StartAsync(string logDirectory)
    {
        Directory.CreateDirectory(logDirectory);
        var system = new BenchSystem(await IsolatedInfrastructure.CreateAsync("bench"), logDirectory);
        foreach (var service in Services)
        {
            system.Start(service);
        }
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        foreach (var service in Services)
        {
            while (true)
            {
                if (system._processes[service].HasExited)
                {
                    throw new InvalidOperationException($"{service} exited with {system._processes[service].ExitCode}; see {system.LogFile(service)}");
                }
                try
                {
                    if ((await probe.GetAsync($"http://127.0.0.1:{system._ports[service]}/health/ready")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{service} did not become ready; see {system.LogFile(service)}");
                }
                await Task.Delay(200);
            }
        }
        return system;
    }

    public string LogFile(string service) => Path.Combine(_logDirectory, service.ToLowerInvariant() + ".log");

    private void Start(string service)
    {
        var info = ServiceProcesses.StartInfo(service, _ports[service], Infrastructure.PostgresConnectionString, Infrastructure.RabbitConnectionString);
        foreach (var (cluster, target) in new[] { ("ingestion", "Ingestion"), ("tracker", "Tracker"), ("notifications", "Notifications") })
        {
            info.Environment[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = $"http://127.0.0.1:{_ports[target]}";
        }
        info.Environment["ORT_DISABLE_TELEMETRY"] = "1";
        // The bench measures throughput, not console logging: warnings and errors still reach the log file.
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in ExtraEnvironment)
        {
            info.Environment[name] = value;
        }
        var log = new StreamWriter(LogFile(service)) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {service}");
        process.OutputDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[service] = process;
    }

    /// <summary>Settings (environment variable form) every service gets, e.g. from --env NAME=VALUE.</summary>
    public static Dictionary<string, string> ExtraEnvironment { get; } = [];

    public HttpClient Client(string? apiKey = null) =>
        new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = Gateway,
            Timeout = TimeSpan.FromSeconds(120),
        }.WithApiKey(apiKey);

    public async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(Infrastructure.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? 0 : Convert.ToInt64(value);
    }

    /// <summary>DevelopmentLogged events appended in the Tracker to these streams.</summary>
    public Task<long> DevelopmentsAsync(string[] predictionIds) =>
        ScalarAsync("select count(*) from tracker.mt_events where type = 'development_logged' and stream_id = any($1)", (object)predictionIds);

    /// <summary>
    /// Integration events the Tracker has committed that Notifications must process (one per
    /// development, status change, resolution, revision, retraction, plus probability-changed for a
    /// development that moved the probability), as the publisher maps them.
    /// </summary>
    public Task<long> NoticesExpectedAsync() => ScalarAsync(
        """
        select count(*) filter (where type in ('development_logged', 'status_changed', 'prediction_resolved', 'probability_revised', 'development_retracted'))
             + count(*) filter (where type = 'development_logged' and (data ->> 'probability')::float8 <> (data ->> 'previousProbability')::float8)
        from tracker.mt_events
        """);

    /// <summary>
    /// Integration events Notifications has processed (its idempotency records), of the kinds counted in
    /// <see cref="NoticesExpectedAsync"/> (registrations and rewords may have records too, depending on the version).
    /// </summary>
    public Task<long> NoticesProcessedAsync() => ScalarAsync(
        "select count(*) from notifications.mt_doc_processedmessage where data ->> 'messageType' not in ('PredictionRegisteredNotice', 'PredictionRewordedNotice')");

    public Task<long> KnownToIngestionAsync(string[] predictionIds) =>
        ScalarAsync("select count(*) from ingestion.mt_doc_knownprediction where id = any($1)", (object)predictionIds);

    public Task<long> KnownToNotificationsAsync(string[] predictionIds) =>
        ScalarAsync("select count(*) from notifications.mt_doc_predictionsummary where id = any($1)", (object)predictionIds);

    /// <summary>Statements the matcher has moved on from pending (to triage, with or without suggestions).</summary>
    public Task<long> MatchedAsync(Guid[] statementIds) =>
        ScalarAsync("select count(*) from ingestion.mt_doc_statement where id = any($1) and lower(data ->> 'state') <> 'pending'", (object)statementIds);

    /// <summary>Resident set size of a service's process, in MB (Linux /proc).</summary>
    public double RssMegabytes(string service)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_processes[service].Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    /// <summary>Registers predictions through the gateway and waits until Ingestion and Notifications know them.</summary>
    public async Task RegisterPredictionsAsync(HttpClient analyst, IReadOnlyList<string> ids, string tag)
    {
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(ids.Select(async id =>
        {
            await gate.WaitAsync();
            try
            {
                var response = await analyst.PostAsJsonAsync("/api/predictions", new
                {
                    id,
                    title = $"Bench prediction {id}",
                    claim = $"The benchmark claim {id} comes true.",
                    resolutionCriteria = "Decided by the benchmark.",
                    horizon = "2099-01-01T00:00:00Z",
                    prior = 0.5,
                    tags = new[] { tag },
                    searchTerms = new[] { id },
                    source = new { title = "Benchmark", author = "bench", quote = "none" },
                    madeAt = "2020-01-01T00:00:00Z",
                });
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"registering {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        var array = ids.ToArray();
        await WaitUntilAsync(async () => await KnownToIngestionAsync(array) == array.Length && await KnownToNotificationsAsync(array) == array.Length,
            TimeSpan.FromSeconds(120), "Ingestion and Notifications to learn the bench predictions");
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.Values.Where(p => !p.HasExited))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        await Infrastructure.DisposeAsync();
    }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}
