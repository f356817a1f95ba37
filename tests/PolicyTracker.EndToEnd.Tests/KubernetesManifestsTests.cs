using System.Diagnostics;
using System.Text.Json;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// Issue 11, item 6: every kustomization under deploy/ renders with <c>kubectl kustomize</c> (no cluster needed),
/// and the production-scale overlay has what it promises: 2+ replicas per service with readiness and liveness
/// probes, a PodDisruptionBudget for each, RabbitMQ with 3 nodes, PostgreSQL with a primary and 2 standbys, a collector.
/// </summary>
public sealed class KubernetesManifestsTests
{
    private static readonly string Deploy = Path.Combine(ServiceProcesses.RepositoryRoot(), "deploy");

    public static TheoryData<string> Kustomizations() =>
        [.. Directory.EnumerateFiles(Deploy, "kustomization.yaml", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Deploy, Path.GetDirectoryName(f)!)).Order()];

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task Every_kustomization_renders(string directory)
    {
        var documents = await RenderAsync(directory);
        documents.Count.ShouldBeGreaterThan(0);
        foreach (var document in documents)
        {
            document.TryGetProperty("kind", out _).ShouldBeTrue(document.ToString());
            document.TryGetProperty("metadata", out _).ShouldBeTrue(document.ToString());
        }
    }

    [Fact]
    public async Task The_scale_overlay_runs_every_service_replicated_probed_and_budgeted_on_replicated_infrastructure()
    {
        var documents = await RenderAsync(Path.Combine("k8s-overlays", "scale"));
        JsonElement Single(string kind, string name) =>
            documents.Single(d => d.GetProperty("kind").GetString() == kind && d.GetProperty("metadata").GetProperty("name").GetString() == name);

        var workloads = documents.Where(d => d.GetProperty("kind").GetString() is "Deployment" or "StatefulSet").ToList();
        var budgets = documents.Where(d => d.GetProperty("kind").GetString() == "PodDisruptionBudget").ToList();
        foreach (var service in new[] { "tracker", "ingestion", "notifications", "gateway", "web" })
        {
            var workload = workloads.Single(w => w.GetProperty("metadata").GetProperty("name").GetString() == service);
            workload.GetProperty("spec").GetProperty("replicas").GetInt32().ShouldBeGreaterThanOrEqualTo(2, service);
            var container = workload.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
            container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString().ShouldBe("/health/ready", service);
            container.TryGetProperty("livenessProbe", out _).ShouldBeTrue(service);
            budgets.ShouldContain(b => b.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels")
                .GetProperty("app.kubernetes.io/name").GetString() == service, $"a PodDisruptionBudget for {service}");
        }
        // The services whose partitions spread by pod ordinal are StatefulSets that pass their pod name.
        foreach (var service in new[] { "tracker", "notifications" })
        {
            var env = Single("StatefulSet", service).GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("env");
            env.EnumerateArray().ShouldContain(e => e.GetProperty("name").GetString() == "Messaging__Partitions__InstanceName");
        }
        Single("RabbitmqCluster", "policytracker-rabbitmq").GetProperty("spec").GetProperty("replicas").GetInt32().ShouldBe(3);
        Single("RabbitmqCluster", "policytracker-rabbitmq").GetProperty("spec").GetProperty("rabbitmq").GetProperty("additionalPlugins")
            .EnumerateArray().Select(p => p.GetString()).ShouldContain("rabbitmq_consistent_hash_exchange");
        Single("Cluster", "policytracker-pg").GetProperty("spec").GetProperty("instances").GetInt32().ShouldBe(3);
        Single("Deployment", "otel-collector").GetProperty("spec").GetProperty("replicas").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        Single("ConfigMap", "policytracker-config").GetProperty("data").GetProperty("OTEL_EXPORTER_OTLP_ENDPOINT").GetString().ShouldBe("http://otel-collector:4317");
    }

    /// <summary>kubectl kustomize, its YAML turned into JSON documents by the system Python's yaml module.</summary>
    private static async Task<List<JsonElement>> RenderAsync(string directory)
    {
        var kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(kubectl is null, "kubectl is not installed: the manifests cannot be rendered here");
        var (code, yaml, error) = await RunAsync(kubectl!, ["kustomize", Path.Combine(Deploy, directory)], null);
        code.ShouldBe(0, error);
        var python = Environment.GetEnvironmentVariable("PT_PYTHON3") is { Length: > 0 } p ? p : "/usr/bin/python3";
        var (converted, json, conversionError) = await RunAsync(python,
            ["-c", "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))"], yaml);
        converted.ShouldBe(0, conversionError);
        return [.. JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string file, string[] arguments, string? input)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
