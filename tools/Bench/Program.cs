using System.Diagnostics;
using System.Text;
using System.Text.Json;
using PolicyTracker.Bench;
using PolicyTracker.Testing;

// ./bench.sh [--quick] [--bulk N] [--hot N] [--hol N] [--fanout N] [--matching N] [--raw N] [--json FILE] [--markdown FILE] [--env NAME=VALUE]...
var quick = args.Contains("--quick");
var sizes = quick ? Sizes.Quick : Sizes.Full;
string? jsonPath = null, markdownPath = null;
HashSet<string>? only = null;
for (var i = 0; i < args.Length; i++)
{
    int Next() => int.Parse(args[++i]);
    switch (args[i])
    {
        case "--quick": break;
        case "--latency-seconds": sizes = sizes with { LatencySeconds = Next() }; break;
        case "--bulk": sizes = sizes with { Bulk = Next() }; break;
        case "--hot": sizes = sizes with { Hot = Next() }; break;
        case "--hol": sizes = sizes with { HolBulk = Next() }; break;
        case "--fanout": sizes = sizes with { FanOut = Next() }; break;
        case "--matching": sizes = sizes with { Matching = Next() }; break;
        case "--raw": sizes = sizes with { Raw = Next() }; break;
        case "--latency-rate": sizes = sizes with { LatencyRate = Next() }; break;
        case "--json": jsonPath = args[++i]; break;
        case "--only": only = [.. args[++i].Split(',')]; break;
        case "--markdown": markdownPath = args[++i]; break;
        case "--env":
            var pair = args[++i].Split('=', 2);
            BenchSystem.ExtraEnvironment[pair[0]] = pair[1];
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

var total = Stopwatch.StartNew();
void Log(string line) => Console.WriteLine($"[bench {total.Elapsed:mm\\:ss}] {line}");

var logs = Path.Combine(ServiceProcesses.RepositoryRoot(), ".local", "bench", "logs");
Log($"starting Tracker, Ingestion, Notifications and Gateway (logs in {logs}); sizes: {sizes}");
await using var system = await BenchSystem.StartAsync(logs);
Log($"services ready; gateway {system.Gateway}");
var scenarios = new Scenarios(system, sizes, Log);
await scenarios.StartReceiverAsync();

var results = new List<ScenarioResult>();
async Task Run(string name, Func<Task<IEnumerable<ScenarioResult>>> scenario, string key)
{
    if (only is not null && !only.Contains(key))
    {
        return;
    }
    Log($"scenario: {name}");
    var watch = Stopwatch.StartNew();
    try
    {
        foreach (var result in await scenario())
        {
            results.Add(result);
            Log($"  => {result.Scenario}: {result.Figure} ({(result.Completed ? "complete" : $"INCOMPLETE: {result.Actual}/{result.Expected}")}) {result.Detail}");
        }
    }
    catch (Exception ex)
    {
        results.Add(new(name, "failed", "", false, null, null, false, 1, 0, ex.Message));
        Log($"  => {name} FAILED: {ex}");
    }
    Log($"  ({watch.Elapsed.TotalSeconds:N1} s)");
}

async Task<IEnumerable<ScenarioResult>> One(Task<ScenarioResult> task) => [await task];

// --only bulk,hot,latency,hol,asof,matching,fanout runs a subset (the raw baselines always run: the ratios need them;
// as-of reads the hot prediction's stream, so it needs hot).
only?.Add("raw");
await Run("raw PostgreSQL baseline", () => One(scenarios.RawPostgresAsync()), "raw");
await Run("raw Marten baseline", () => One(scenarios.RawMartenAsync()), "raw");
await Run("bulk import + Notifications drain", async () => await scenarios.BulkImportAndDrainAsync(), "bulk");
await Run("one hot prediction", () => One(scenarios.HotPredictionAsync()), "hot");
await Run("statement → webhook latency", () => One(scenarios.LatencyAsync()), "latency");
await Run("head-of-line during a bulk import", () => One(scenarios.HeadOfLineAsync()), "hol");
await Run("as-of on a long stream", () => One(scenarios.AsOfAsync()), "asof");
await Run("matching throughput", () => One(scenarios.MatchingAsync()), "matching");
// Last: its subscriptions stay, and every later event would be matched against them.
await Run("fan-out", () => One(scenarios.FanOutAsync()), "fanout");
if (only is null || only.Overlaps(["bulk", "hot", "hol"]))
{
    results.Add(scenarios.Memory());
}

var table = Table(results);
Console.WriteLine();
Console.WriteLine(table);
Log($"done in {total.Elapsed.TotalSeconds:N0} s ({(quick ? "quick" : "full")} mode)");
if (markdownPath is not null)
{
    await File.WriteAllTextAsync(markdownPath, table);
}
if (jsonPath is not null)
{
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(results, new JsonSerializerOptions(BenchSystem.Json) { WriteIndented = true }));
}
var incomplete = results.Where(r => !r.Completed).ToList();
foreach (var r in incomplete)
{
    Console.Error.WriteLine($"INCOMPLETE: {r.Scenario}: {r.Actual}/{r.Expected} {r.Detail}");
}
return incomplete.Count == 0 ? 0 : 1;

static string Table(IReadOnlyList<ScenarioResult> results)
{
    static string Ratio(double? r) => r is null ? "" : r < 0.1 ? $"{r:0.000}×" : $"{r:0.00}×";
    var builder = new StringBuilder();
    builder.AppendLine("| Scenario | Figure | Target | Met | × raw Marten | × raw PostgreSQL | Count |");
    builder.AppendLine("|---|---|---|---|---|---|---|");
    foreach (var r in results)
    {
        var met = r.Met switch { true => "met", false => "**not met**", null => "—" };
        var count = r.Completed ? $"{r.Actual:N0}" : $"**{r.Actual:N0}/{r.Expected:N0}**";
        builder.AppendLine($"| {r.Scenario} | {r.Figure} | {r.Target} | {met} | {Ratio(r.RatioMarten)} | {Ratio(r.RatioPostgres)} | {count} |");
    }
    return builder.ToString();
}
