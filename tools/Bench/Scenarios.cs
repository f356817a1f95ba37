using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using PolicyTracker.Testing;
using StandardWebhooks;

namespace PolicyTracker.Bench;

/// <summary>One row of the table: the figure, its target, and whether the scenario did all it had to.</summary>
public sealed record ScenarioResult(
    string Scenario, string Figure, string Target, bool? Met, double? RatioMarten, double? RatioPostgres,
    bool Completed, long Expected, long Actual, string Detail)
{
    public double? Value { get; init; }
}

/// <summary>How big each scenario is: <see cref="Quick"/> runs them all in well under a minute.</summary>
public sealed record Sizes(int Raw, int Bulk, int Hot, int LatencyRate, int LatencySeconds, int HolBulk, int HolSingles, int FanOut, int Matching, int AsOfQueries, int AsOfWrites)
{
    public static Sizes Quick { get; } = new(Raw: 1_000, Bulk: 200, Hot: 100, LatencyRate: 10, LatencySeconds: 2, HolBulk: 300, HolSingles: 4, FanOut: 20, Matching: 20, AsOfQueries: 20, AsOfWrites: 3);
    public static Sizes Full { get; } = new(Raw: 20_000, Bulk: 10_000, Hot: 10_000, LatencyRate: 100, LatencySeconds: 10, HolBulk: 20_000, HolSingles: 100, FanOut: 10_000, Matching: 2_000, AsOfQueries: 200, AsOfWrites: 20);
}

public sealed class Scenarios(BenchSystem system, Sizes sizes, Action<string> log)
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];
    private readonly HttpClient _analyst = system.Client("analyst-dev-key");
    private readonly HttpClient _subscriber = system.Client("subscriber-dev-key");
    private readonly HttpClient _public = system.Client();
    public double RawMarten { get; set; }
    public double RawPostgres { get; set; }
    public Dictionary<string, double> PeakRss { get; } = BenchSystem.Services.ToDictionary(s => s, _ => 0.0);
    private WebhookReceiver _receiver = null!;
    private readonly ConcurrentDictionary<string, Action<ReceivedWebhook>> _routes = new();
    private string? _hotPrediction;
    private (DateTimeOffset From, DateTimeOffset To) _hotEffective;

    public async Task StartReceiverAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _receiver.Respond = (request, _) =>
        {
            var segment = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
            if (_routes.TryGetValue(segment, out var route))
            {
                route(request);
            }
            return Task.FromResult(Results.Ok());
        };
    }

    private string Id(string name) => $"bench-{_run}-{name}";

    private static object Statement(string text, string url, DateTimeOffset publishedAt, string? predictionId, string stance, string strength) => predictionId is null
        ? new { text, publishedAt, source = new { url } }
        : new { text, publishedAt, source = new { url }, links = new[] { new { predictionId, stance, strength } } };

    // ---------------------------------------------------------------- raw baselines

    public async Task<ScenarioResult> RawPostgresAsync()
    {
        RawPostgres = await RawBaselines.PostgresAsync(system.Infrastructure.PostgresConnectionString, sizes.Raw, Progress("raw PostgreSQL", sizes.Raw));
        return new("Raw PostgreSQL batched jsonb insert (100 rows/tx)", $"{RawPostgres:N0} rows/s", "baseline", null, null, 1,
            true, sizes.Raw, sizes.Raw, "") { Value = RawPostgres };
    }

    public async Task<ScenarioResult> RawMartenAsync()
    {
        RawMarten = await RawBaselines.MartenAsync(system.Infrastructure.PostgresConnectionString, sizes.Raw, Progress("raw Marten", sizes.Raw));
        return new("Raw Marten append (100 events/tx)", $"{RawMarten:N0} events/s", "baseline", null, 1, RawMarten / RawPostgres,
            true, sizes.Raw, sizes.Raw, "") { Value = RawMarten };
    }

    private Action<int> Progress(string label, int total)
    {
        var last = Stopwatch.StartNew();
        return done =>
        {
            if (last.ElapsedMilliseconds > 1000 || done == total)
            {
                log($"  {label}: {done:N0}/{total:N0}");
                last.Restart();
            }
        };
    }

    // ---------------------------------------------------------------- bulk import

    private sealed record BulkRun(double Seconds, double AcceptSeconds, long Appended);

    /// <summary>Posts statements with one link each over <paramref name="predictions"/> through the batch API, and waits until every development is appended.</summary>
    private async Task<BulkRun> BulkAsync(string label, string[] predictions, int count, Func<bool>? stop = null)
    {
        var start = DateTimeOffset.UtcNow;
        var statements = Enumerable.Range(0, count).Select(i => Statement(
            $"Bench {label} statement {i} of run {_run}: a minister comments on the prospects of the agreement.",
            $"https://bench.example/{_run}/{label}/{i}", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
            predictions[i % predictions.Length], (i / predictions.Length) % 4 < 2 ? "supports" : "undermines", "weak")).ToList();
        var watch = Stopwatch.StartNew();
        var chunk = Math.Clamp(count / 10, 50, 1000);
        long accepted = 0;
        using var gate = new SemaphoreSlim(2);
        var posting = Task.WhenAll(statements.Chunk(chunk).Select(async batch =>
        {
            await gate.WaitAsync();
            try
            {
                var response = await _analyst.PostAsJsonAsync("/api/statements/batch", batch);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"batch answered {(int)response.StatusCode}: {body}");
                }
                Interlocked.Add(ref accepted, body.GetProperty("accepted").GetInt32());
            }
            finally
            {
                gate.Release();
            }
        }));
        var acceptSeconds = 0.0;
        long appended = 0;
        var report = Stopwatch.StartNew();
        var timeout = TimeSpan.FromSeconds(Math.Max(120, count / 40.0));
        while (true)
        {
            if (posting.IsCompleted && acceptSeconds == 0)
            {
                await posting;
                acceptSeconds = watch.Elapsed.TotalSeconds;
                if (accepted != count)
                {
                    throw new InvalidOperationException($"{label}: the batch API accepted {accepted} of {count}");
                }
            }
            appended = await system.DevelopmentsAsync(predictions);
            if (appended >= count)
            {
                break;
            }
            if (report.ElapsedMilliseconds >= 1000)
            {
                log($"  {label}: {Interlocked.Read(ref accepted):N0}/{count:N0} accepted, {appended:N0} appended ({appended / watch.Elapsed.TotalSeconds:N0}/s)");
                report.Restart();
            }
            if (watch.Elapsed > timeout || stop?.Invoke() == true)
            {
                break;
            }
            await Task.Delay(50);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        if (acceptSeconds == 0)
        {
            await posting;
            acceptSeconds = watch.Elapsed.TotalSeconds;
        }
        log($"  {label}: {appended:N0}/{count:N0} appended in {seconds:N1} s (batch API accepted all in {acceptSeconds:N1} s)");
        _ = start;
        return new(seconds, acceptSeconds, appended);
    }

    private async Task<T> SamplingRssAsync<T>(Func<Task<T>> work)
    {
        using var cts = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                foreach (var service in BenchSystem.Services)
                {
                    PeakRss[service] = Math.Max(PeakRss[service], system.RssMegabytes(service));
                }
                try
                {
                    await Task.Delay(250, cts.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        try
        {
            return await work();
        }
        finally
        {
            await cts.CancelAsync();
            await sampler;
        }
    }

    public async Task<List<ScenarioResult>> BulkImportAndDrainAsync()
    {
        var predictions = Enumerable.Range(0, 10).Select(i => Id($"bulk-{i}")).ToArray();
        await system.RegisterPredictionsAsync(_analyst, predictions, "bench-bulk");
        await WaitDrainedAsync();
        var processedBefore = await system.NoticesProcessedAsync();
        var drainWatch = Stopwatch.StartNew();
        var (run, drain) = await SamplingRssAsync(async () =>
        {
            var r = await BulkAsync("bulk", predictions, sizes.Bulk);
            var d = await WaitDrainedAsync(processedBefore, drainWatch);
            return (r, d);
        });
        var rate = run.Appended / run.Seconds;
        var results = new List<ScenarioResult>
        {
            new($"Bulk import: {sizes.Bulk:N0} statements over 10 predictions, end to end", $"{rate:N0} developments/s", "≥ 4,000/s and ≥ 0.25× raw Marten",
                rate >= 4000 && rate / RawMarten >= 0.25, rate / RawMarten, rate / RawPostgres, run.Appended == sizes.Bulk, sizes.Bulk, run.Appended,
                $"{run.Seconds:N1} s; batch API accepted {sizes.Bulk / run.AcceptSeconds:N0} statements/s") { Value = rate },
            drain,
        };
        return results;
    }

    public async Task<ScenarioResult> HotPredictionAsync()
    {
        var prediction = _hotPrediction = Id("hot");
        await system.RegisterPredictionsAsync(_analyst, [prediction], "bench-hot");
        await WaitDrainedAsync();
        var run = await SamplingRssAsync(() => BulkAsync("hot", [prediction], sizes.Hot));
        _hotEffective = (new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(sizes.Hot));
        await WaitDrainedAsync();
        var rate = run.Appended / run.Seconds;
        return new($"One hot prediction: {sizes.Hot:N0} statements", $"{rate:N0} developments/s", "≥ 2,500/s", rate >= 2500, rate / RawMarten, rate / RawPostgres,
            run.Appended == sizes.Hot, sizes.Hot, run.Appended, $"{run.Seconds:N1} s") { Value = rate };
    }

    /// <summary>Waits until Notifications has processed every integration event the Tracker committed; the drain rate when measuring.</summary>
    private async Task<ScenarioResult> WaitDrainedAsync(long processedBefore = -1, Stopwatch? since = null)
    {
        var report = Stopwatch.StartNew();
        var timeout = Stopwatch.StartNew();
        double? firstProcessedAt = null;
        long expected, processed;
        while (true)
        {
            expected = await system.NoticesExpectedAsync();
            processed = await system.NoticesProcessedAsync();
            if (since is not null && firstProcessedAt is null && processed > processedBefore)
            {
                firstProcessedAt = since.Elapsed.TotalSeconds;
            }
            if (processed >= expected)
            {
                break;
            }
            if (report.ElapsedMilliseconds >= 1000)
            {
                log($"  notifications: {processed:N0}/{expected:N0} integration events processed");
                report.Restart();
            }
            if (timeout.Elapsed > TimeSpan.FromMinutes(10))
            {
                break;
            }
            // The expected count scans the Tracker's events: often enough to time a drain, rarely enough not to load the database.
            await Task.Delay(100);
        }
        if (since is null)
        {
            return null!;
        }
        var count = processed - processedBefore;
        var seconds = since.Elapsed.TotalSeconds - (firstProcessedAt ?? 0);
        var rate = count / Math.Max(seconds, 0.001);
        return new("Notifications drain (few subscriptions match)", $"{rate:N0} events/s", "≥ 3,000/s", rate >= 3000, rate / RawMarten, rate / RawPostgres,
            processed >= expected, expected - processedBefore, count, $"{count:N0} integration events in {seconds:N1} s from the first") { Value = rate };
    }

    // ---------------------------------------------------------------- latency

    private static readonly Regex Token = new(@"\[(?<kind>[a-z]+)#(?<n>\d+)\]", RegexOptions.Compiled);

    /// <summary>
    /// A webhook subscription to status changes of these predictions, at its own path of the receiver;
    /// every request's signature is verified, and each status change's token (from the cause summary) is
    /// handed to <paramref name="received"/> with the receipt time.
    /// </summary>
    private async Task<Func<int>> SubscribeAsync(string route, string[] predictionIds, Action<int, long> received)
    {
        var response = await _subscriber.PostAsJsonAsync("/api/subscriptions", new
        {
            channel = new { type = "webhook", url = _receiver.Url($"/{route}").ToString() },
            filter = new { predictionIds },
        });
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"subscribing: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var webhook = new StandardWebhook((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
        var invalid = 0;
        _routes[route] = request =>
        {
            var now = Stopwatch.GetTimestamp();
            var headers = new HeaderDictionary();
            foreach (var (name, value) in request.Headers)
            {
                headers[name] = value;
            }
            try
            {
                webhook.Verify(request.Body, headers);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref invalid);
                return;
            }
            var data = JsonDocument.Parse(request.Body).RootElement.GetProperty("data");
            var summary = data.TryGetProperty("cause", out var cause) && cause.TryGetProperty("summary", out var s) ? s.GetString() : null;
            var match = Token.Match(summary ?? "");
            if (match.Success && match.Groups["kind"].Value == route)
            {
                received(int.Parse(match.Groups["n"].Value), now);
            }
        };
        return () => invalid;
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    /// <summary>
    /// Single statements at a steady rate, each a decisive link that moves its prediction's band (alternating
    /// support and undermining on one prediction a second), to a signed status-change webhook.
    /// </summary>
    public async Task<ScenarioResult> LatencyAsync()
    {
        var rate = sizes.LatencyRate;
        var count = rate * sizes.LatencySeconds;
        var predictions = Enumerable.Range(0, rate).Select(i => Id($"lat-{i}")).ToArray();
        await system.RegisterPredictionsAsync(_analyst, predictions, "bench-latency");
        var sent = new long[count];
        var sentWall = new DateTimeOffset[count];
        var arrived = new ConcurrentDictionary<int, long>();
        var invalid = await SubscribeAsync("lat", predictions, (n, at) => arrived.TryAdd(n, at));
        await WaitDrainedAsync();
        log($"  latency: {count:N0} statements at {rate}/s");
        var start = Stopwatch.GetTimestamp();
        var posts = new List<Task>();
        for (var n = 0; n < count; n++)
        {
            var due = start + (long)(n * (double)Stopwatch.Frequency / rate);
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = Milliseconds(Stopwatch.GetTimestamp(), due);
                if (wait > 2)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(wait - 1));
                }
            }
            var k = n;
            var prediction = predictions[n % rate];
            var stance = n / rate % 2 == 0 ? "supports" : "undermines";
            sent[k] = Stopwatch.GetTimestamp();
            sentWall[k] = DateTimeOffset.UtcNow;
            posts.Add(PostSingleStatementAsync($"[lat#{k}] Bench latency statement {k} of run {_run}.", $"https://bench.example/{_run}/lat/{k}", prediction, stance));
        }
        await Task.WhenAll(posts);
        await BenchSystem.WaitUntilAsync(() => Task.FromResult(arrived.Count >= count), TimeSpan.FromSeconds(120), "every latency webhook")
            .ContinueWith(_ => { });
        var latencies = arrived.Select(a => Milliseconds(sent[a.Key], a.Value)).ToList();
        var p50 = Percentile(latencies, 0.5);
        var p99 = Percentile(latencies, 0.99);
        var hops = await HopsAsync("lat", sentWall, arrived.ToDictionary(a => a.Key, a => sentWall[a.Key].AddMilliseconds(Milliseconds(sent[a.Key], a.Value))));
        log($"  latency by hop (median ms): {hops}");
        return new($"Statement → signed webhook at {rate}/s ({count:N0} statements)", $"p50 {p50:N0} ms, p99 {p99:N0} ms", "p50 ≤ 30 ms, p99 ≤ 100 ms",
            p50 <= 30 && p99 <= 100, null, null, arrived.Count == count && invalid() == 0, count, arrived.Count,
            $"{arrived.Count:N0}/{count:N0} arrived, {invalid()} bad signatures") { Value = p99 };
    }

    /// <summary>
    /// Where the time goes on the alert path, from the services' own records (the profile of a latency run):
    /// sent → Ingestion's StatementLinked → the Tracker's StatusChanged → Notifications' processed record →
    /// delivered → received. Medians over the statements, in milliseconds.
    /// </summary>
    private async Task<string> HopsAsync(string kind, DateTimeOffset[] sentWall, Dictionary<int, DateTimeOffset> receivedWall)
    {
        var sql = """
            with linked as (
                select substring(data ->> 'summary' from '\[[a-z]+#([0-9]+)\]')::int as k, timestamp as t from ingestion.mt_events where type = 'statement_linked' and data ->> 'summary' like $1),
            changed as (
                select substring(data ->> 'causeSummary' from '\[[a-z]+#([0-9]+)\]')::int as k, id, timestamp as t from tracker.mt_events where type = 'status_changed' and data ->> 'causeSummary' like $1)
            select c.k, extract(epoch from l.t) * 1000, extract(epoch from c.t) * 1000, extract(epoch from p.processed_at) * 1000,
                   extract(epoch from (d.data ->> 'deliveredAt')::timestamptz) * 1000
            from changed c
            join linked l on l.k = c.k
            join notifications.mt_doc_processedmessage p on p.id = c.id
            join notifications.mt_doc_delivery d on (d.data ->> 'eventId')::uuid = c.id
            """;
        var rows = new List<double[]>();
        await using (var connection = new Npgsql.NpgsqlConnection(system.Infrastructure.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = $"[{kind}#%" });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var k = reader.GetInt32(0);
                if (k >= sentWall.Length || !receivedWall.TryGetValue(k, out var received) || reader.IsDBNull(4))
                {
                    continue;
                }
                var sentAt = sentWall[k].ToUnixTimeMilliseconds();
                rows.Add([reader.GetDouble(1) - sentAt, reader.GetDouble(2) - reader.GetDouble(1), reader.GetDouble(3) - reader.GetDouble(2),
                    reader.GetDouble(4) - reader.GetDouble(3), received.ToUnixTimeMilliseconds() - reader.GetDouble(4)]);
            }
        }
        string[] names = ["sent→Ingestion linked", "→Tracker status-changed", "→Notifications processed", "→delivered", "→received"];
        return rows.Count == 0 ? "no rows" : string.Join(", ", names.Select((n, i) => $"{n} {Percentile(rows.Select(r => r[i]).ToList(), 0.5):N0}"));
    }

    private async Task PostSingleStatementAsync(string text, string url, string prediction, string stance)
    {
        var response = await _analyst.PostAsJsonAsync("/api/statements",
            Statement(text, url, DateTimeOffset.UtcNow.AddDays(-1), prediction, stance, "decisive"));
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"statement answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task PostDevelopmentAsync(string prediction, string summary, string stance)
    {
        var response = await _analyst.PostAsJsonAsync($"/api/predictions/{prediction}/developments", new
        {
            summary, occurredAt = DateTimeOffset.UtcNow.AddDays(-1), stance, strength = "decisive",
        });
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"development answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// While a bulk import runs on ten predictions, single statements and HTTP developments (alternately,
    /// each on a prediction of its own so each moves a band) go to other predictions; their status-change webhooks' latency.
    /// </summary>
    public async Task<ScenarioResult> HeadOfLineAsync()
    {
        var bulk = Enumerable.Range(0, 10).Select(i => Id($"hol-bulk-{i}")).ToArray();
        var singles = Enumerable.Range(0, sizes.HolSingles).Select(i => Id($"hol-{i}")).ToArray();
        await system.RegisterPredictionsAsync(_analyst, [.. bulk, .. singles], "bench-hol");
        var sent = new ConcurrentDictionary<int, long>();
        var arrived = new ConcurrentDictionary<int, long>();
        var invalid = await SubscribeAsync("hol", singles, (n, at) => arrived.TryAdd(n, at));
        await WaitDrainedAsync();
        var bulkDone = false;
        var import = Task.Run(async () =>
        {
            try
            {
                return await SamplingRssAsync(() => BulkAsync("head-of-line bulk", bulk, sizes.HolBulk));
            }
            finally
            {
                bulkDone = true;
            }
        });
        var posts = new List<Task>();
        var n = 0;
        // Four singles a second while the bulk is in flight (at least a few, however fast the bulk is).
        while (n < sizes.HolSingles && (!bulkDone || n < Math.Min(4, sizes.HolSingles)))
        {
            var k = n++;
            sent[k] = Stopwatch.GetTimestamp();
            posts.Add(k % 2 == 0
                ? PostSingleStatementAsync($"[hol#{k}] Bench single statement {k} during a bulk import, run {_run}.", $"https://bench.example/{_run}/hol/{k}", singles[k], "supports")
                : PostDevelopmentAsync(singles[k], $"[hol#{k}] Bench HTTP development {k} during a bulk import.", "supports"));
            await Task.Delay(250);
        }
        await Task.WhenAll(posts);
        var run = await import;
        await BenchSystem.WaitUntilAsync(() => Task.FromResult(arrived.Count >= n), TimeSpan.FromSeconds(120), "every head-of-line webhook")
            .ContinueWith(_ => { });
        await WaitDrainedAsync();
        var latencies = arrived.Select(a => Milliseconds(sent[a.Key], a.Value)).ToList();
        var p50 = Percentile(latencies, 0.5);
        var p99 = Percentile(latencies, 0.99);
        return new($"Head-of-line: singles during a {sizes.HolBulk:N0}-statement bulk", $"p50 {p50:N0} ms, p99 {p99:N0} ms", "p99 ≤ 1,000 ms",
            p99 <= 1000, null, null, arrived.Count == n && invalid() == 0 && run.Appended == sizes.HolBulk, n, arrived.Count,
            $"{arrived.Count}/{n} status changes arrived; bulk {run.Appended:N0} appended in {run.Seconds:N1} s ({run.Appended / run.Seconds:N0}/s)") { Value = p99 };
    }

    // ---------------------------------------------------------------- fan-out

    public async Task<ScenarioResult> FanOutAsync()
    {
        var prediction = Id("fanout");
        await system.RegisterPredictionsAsync(_analyst, [prediction], "bench-fanout");
        var delivered = new ConcurrentDictionary<string, long>();
        var invalid = 0;
        var webhooks = new StandardWebhook[sizes.FanOut];
        var created = 0;
        using (var gate = new SemaphoreSlim(16))
        {
            await Task.WhenAll(Enumerable.Range(0, sizes.FanOut).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var response = await _subscriber.PostAsJsonAsync("/api/subscriptions", new
                    {
                        channel = new { type = "webhook", url = _receiver.Url($"/fan/{i}").ToString() },
                        filter = new { predictionIds = new[] { prediction } },
                    });
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        throw new InvalidOperationException($"subscribing: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                    webhooks[i] = new StandardWebhook((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!);
                    if (Interlocked.Increment(ref created) % 1000 == 0)
                    {
                        log($"  fan-out: {created:N0}/{sizes.FanOut:N0} subscriptions");
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        _routes["fan"] = request =>
        {
            var now = Stopwatch.GetTimestamp();
            var index = int.Parse(request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[1]);
            var headers = new HeaderDictionary();
            foreach (var (name, value) in request.Headers)
            {
                headers[name] = value;
            }
            try
            {
                webhooks[index].Verify(request.Body, headers);
                delivered.TryAdd(request.Headers["webhook-id"], now);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref invalid);
            }
        };
        await WaitDrainedAsync();
        var start = Stopwatch.GetTimestamp();
        await PostDevelopmentAsync(prediction, $"[fan#0] Bench fan-out development, run {_run}.", "supports");
        var report = Stopwatch.StartNew();
        await BenchSystem.WaitUntilAsync(() =>
        {
            if (report.ElapsedMilliseconds >= 1000)
            {
                log($"  fan-out: {delivered.Count:N0}/{sizes.FanOut:N0} delivered");
                report.Restart();
            }
            return Task.FromResult(delivered.Count >= sizes.FanOut);
        }, TimeSpan.FromSeconds(Math.Max(60, sizes.FanOut / 20.0)), "every fan-out delivery").ContinueWith(_ => { });
        var seconds = Milliseconds(start, delivered.Values.DefaultIfEmpty(start).Max()) / 1000;
        var rate = delivered.Count / Math.Max(seconds, 0.001);
        return new($"Fan-out: one status change to {sizes.FanOut:N0} webhook subscriptions", $"{seconds:N1} s ({rate:N0} deliveries/s)", "≤ 10 s, ≥ 1,000/s",
            seconds <= 10 && rate >= 1000, null, null, delivered.Count == sizes.FanOut && invalid == 0, sizes.FanOut, delivered.Count,
            $"{invalid} bad signatures") { Value = seconds };
    }

    // ---------------------------------------------------------------- as-of

    public async Task<ScenarioResult> AsOfAsync()
    {
        var prediction = _hotPrediction ?? throw new InvalidOperationException("the as-of scenario reads the hot prediction's stream");
        var events = await system.ScalarAsync("select count(*) from tracker.mt_events where stream_id = $1", prediction);
        var recordedFrom = DateTimeOffset.FromUnixTimeMilliseconds(await system.ScalarAsync(
            "select (extract(epoch from min(timestamp)) * 1000)::bigint from tracker.mt_events where stream_id = $1", prediction));
        var recordedTo = DateTimeOffset.UtcNow;
        var random = new Random(9);
        var recorded = new List<double>();
        var effective = new List<double>();
        var afterWrite = new List<double>();
        var failures = 0;
        async Task Measure(List<double> into, string query)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await _public.GetAsync($"/api/predictions/{prediction}/as-of?{query}");
            into.Add(Milliseconds(started, Stopwatch.GetTimestamp()));
            if (!response.IsSuccessStatusCode)
            {
                failures++;
            }
        }
        static string Time(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));
        for (var i = 0; i < sizes.AsOfQueries; i++)
        {
            await Measure(recorded, "recordedAt=" + Time(recordedFrom.AddSeconds(1) + (recordedTo - recordedFrom) * random.NextDouble()));
            await Measure(effective, "effectiveAt=" + Time(_hotEffective.From + (_hotEffective.To - _hotEffective.From) * random.NextDouble()));
        }
        for (var i = 0; i < sizes.AsOfWrites; i++)
        {
            await PostDevelopmentAsync(prediction, $"Bench as-of write {i}", i % 2 == 0 ? "supports" : "undermines");
            await Measure(afterWrite, "effectiveAt=" + Time(_hotEffective.From + (_hotEffective.To - _hotEffective.From) * random.NextDouble()));
            await Measure(afterWrite, "recordedAt=" + Time(DateTimeOffset.UtcNow));
        }
        var p95Recorded = Percentile(recorded, 0.95);
        var p95Effective = Percentile(effective, 0.95);
        var p95After = Percentile(afterWrite, 0.95);
        var worst = Math.Max(p95Recorded, Math.Max(p95Effective, p95After));
        var total = sizes.AsOfQueries * 2 + sizes.AsOfWrites * 2;
        return new($"As-of on a {events:N0}-event stream", $"p95 recorded {p95Recorded:N0} ms, effective {p95Effective:N0} ms, after a write {p95After:N0} ms",
            "p95 ≤ 20 ms", worst <= 20, null, null, failures == 0, total, total - failures, $"{failures} failed queries") { Value = worst };
    }

    // ---------------------------------------------------------------- matching

    public async Task<ScenarioResult> MatchingAsync()
    {
        var prefix = $"https://bench.example/{_run}/match/";
        string[] topics =
        [
            "Tehran says it will resume enrichment unless sanctions relief arrives",
            "The alliance agrees to raise defence spending targets at the summit",
            "Beijing warns against arms sales to Taiwan after the latest package",
            "Moscow signals openness to talks on strategic arms limits",
            "Pyongyang tests another missile over the sea of Japan",
        ];
        var statements = Enumerable.Range(0, sizes.Matching).Select(i => Statement(
            $"{topics[i % topics.Length]} (bench {_run} item {i}).", prefix + i, DateTimeOffset.UtcNow.AddDays(-1), null, "", "")).ToList();
        var watch = Stopwatch.StartNew();
        foreach (var batch in statements.Chunk(1000))
        {
            var response = await _analyst.PostAsJsonAsync("/api/statements/batch", batch);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"batch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
        var stored = await system.ScalarAsync("select count(*) from ingestion.mt_doc_statement where data -> 'source' ->> 'url' like $1", prefix + "%");
        long matched = 0;
        var report = Stopwatch.StartNew();
        await BenchSystem.WaitUntilAsync(async () =>
        {
            matched = await system.ScalarAsync(
                "select count(*) from ingestion.mt_doc_statement where data -> 'source' ->> 'url' like $1 and lower(data ->> 'state') <> 'pending'", prefix + "%");
            if (report.ElapsedMilliseconds >= 1000)
            {
                log($"  matching: {matched:N0}/{sizes.Matching:N0} matched");
                report.Restart();
            }
            return matched >= sizes.Matching;
        }, TimeSpan.FromSeconds(Math.Max(120, sizes.Matching / 5.0)), "the matcher").ContinueWith(_ => { });
        var rate = matched / watch.Elapsed.TotalSeconds;
        return new($"Matching: {sizes.Matching:N0} statements without links", $"{rate:N0} statements/s", "— (measured)", null, rate / RawMarten, rate / RawPostgres,
            stored == sizes.Matching && matched == sizes.Matching, sizes.Matching, matched, $"{watch.Elapsed.TotalSeconds:N1} s until all left pending") { Value = rate };
    }

    public ScenarioResult Memory()
    {
        var worst = PeakRss.Values.Max();
        return new("Peak RSS per service during the bulk runs", string.Join(", ", PeakRss.Select(p => $"{p.Key} {p.Value:N0} MB")), "≤ 250 MB each",
            worst <= 250, null, null, PeakRss.Values.All(v => v > 0), BenchSystem.Services.Length, PeakRss.Values.Count(v => v > 0), "") { Value = worst };
    }
}
