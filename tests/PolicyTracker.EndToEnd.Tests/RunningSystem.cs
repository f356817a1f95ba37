using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// The four services as real processes from their build output, on free loopback ports, wired to
/// a database and vhost of this test's own on the real PostgreSQL and RabbitMQ.
/// </summary>
public partial class RunningSystem : IAsyncLifetime
{
    private static readonly string[] Services = ["Tracker", "Ingestion", "Notifications", "Gateway"];
    private readonly Dictionary<string, Process> _processes = [];
    private readonly Dictionary<string, StringBuilder> _logs = [];
    private readonly Dictionary<string, int> _ports = Services.ToDictionary(s => s, _ => FreePort());

    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public Uri Gateway => new($"http://127.0.0.1:{_ports["Gateway"]}");

    public HttpClient Client(string? apiKey = null) =>
        new HttpClient { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(30) }.WithApiKey(apiKey);

    public async ValueTask InitializeAsync()
    {
        Infrastructure = await IsolatedInfrastructure.CreateAsync("e2e");
        foreach (var service in Services)
        {
            Start(service);
        }
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var service in Services)
        {
            await Eventually.True(
                async () =>
                {
                    if (_processes[service].HasExited)
                    {
                        throw new InvalidOperationException($"{service} exited with {_processes[service].ExitCode}:\n{Log(service)}");
                    }
                    var response = await probe.GetAsync($"http://127.0.0.1:{_ports[service]}/health/ready");
                    return response.IsSuccessStatusCode;
                },
                $"{service} to become ready. Its log:\n{Log(service)}",
                TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>Settings (as environment variables, e.g. "Feed__HeartbeatInterval") a derived fixture gives every service.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraEnvironment { get; } = new Dictionary<string, string>();

    public string Log(string service)
    {
        lock (_logs[service])
        {
            return _logs[service].ToString();
        }
    }

    private void Start(string service)
    {
        var info = ServiceProcesses.StartInfo(service, _ports[service], Infrastructure.PostgresConnectionString, Infrastructure.RabbitConnectionString);
        foreach (var (cluster, target) in new[] { ("ingestion", "Ingestion"), ("tracker", "Tracker"), ("notifications", "Notifications") })
        {
            info.Environment[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = $"http://127.0.0.1:{_ports[target]}";
        }
        foreach (var (name, value) in ExtraEnvironment)
        {
            info.Environment[name] = value;
        }
        var log = _logs[service] = new StringBuilder();
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {service}");
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[service] = process;
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

    /// <summary>Where a service's build output is, for a test that starts one more instance of its own.</summary>
    public static string ServiceDll(string service) => ServiceProcesses.ServiceDll(service);

    public static int FreePort() => ServiceProcesses.FreePort();

    internal static string RepositoryRoot() => ServiceProcesses.RepositoryRoot();
}
