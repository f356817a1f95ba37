using System.Diagnostics;
using System.Text.Json;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// Runs `bench.sh --quick` (the benchmark at a tiny size) once, so the benchmark cannot rot: every
/// scenario must complete with the counts it set out to produce. Timings are the benchmark's
/// business and are never asserted here.
/// </summary>
public class BenchmarkQuickTests
{
    [Fact]
    public async Task Every_benchmark_scenario_completes_at_the_quick_size_with_the_right_counts()
    {
        var root = ServiceProcesses.RepositoryRoot();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.Combine(root, "tools", "Bench", "bin", configuration, "net10.0", "PolicyTracker.Bench.dll");
        var json = Path.Combine(Path.GetTempPath(), $"bench-quick-{Guid.NewGuid():N}.json");
        var info = new ProcessStartInfo("dotnet", [dll, "--quick", "--json", json])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(8));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
        }
        var log = await output + await error;
        File.Exists(json).ShouldBeTrue($"the bench wrote no results:\n{log}");
        var results = JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken)).RootElement.EnumerateArray().ToList();
        File.Delete(json);

        string[] expected = ["Raw PostgreSQL", "Raw Marten", "Bulk import", "Notifications drain", "One hot prediction", "Statement → signed webhook",
            "Head-of-line", "As-of", "Matching", "Fan-out", "Peak RSS"];
        foreach (var scenario in expected)
        {
            results.ShouldContain(r => r.GetProperty("scenario").GetString()!.StartsWith(scenario), $"no result for {scenario}:\n{log}");
        }
        foreach (var result in results)
        {
            var name = result.GetProperty("scenario").GetString();
            result.GetProperty("actual").GetInt64().ShouldBe(result.GetProperty("expected").GetInt64(), $"{name}: {result.GetProperty("detail").GetString()}\n{log}");
            result.GetProperty("completed").GetBoolean().ShouldBeTrue($"{name}: {result.GetProperty("detail").GetString()}\n{log}");
        }
        process.ExitCode.ShouldBe(0, log);
    }
}
