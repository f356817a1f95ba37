using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// The four services as real processes from their build output, on free loopback ports, wired to
/// a database and vhost of this test's own on the real PostgreSQL and RabbitMQ.
/// </summary>
public partial class RunningSystem : IAsyncLifetime
{
    private static readonly string[] Services = ["Tracker", "Ingestion", "Notifications", "Gateway"];
    private readonly Dictionary<string, ServiceInstance> _instances = [];
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
        foreach (var service in Services)
        {
            await _instances[service].WaitUntilReadyAsync();
        }
    }

    /// <summary>Settings (as environment variables, e.g. "Feed__HeartbeatInterval") a derived fixture gives every service.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraEnvironment { get; } = new Dictionary<string, string>();

    public string Log(string service) => _instances[service].Log();

    private void Start(string service)
    {
        var environment = new Dictionary<string, string>(ExtraEnvironment);
        foreach (var (cluster, target) in new[] { ("ingestion", "Ingestion"), ("tracker", "Tracker"), ("notifications", "Notifications") })
        {
            environment[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = $"http://127.0.0.1:{_ports[target]}";
        }
        _instances[service] = ServiceInstance.Start(service, service, Infrastructure.PostgresConnectionString, Infrastructure.RabbitConnectionString,
            _ports[service], environment);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _instances.Values)
        {
            await instance.DisposeAsync();
        }
        await Infrastructure.DisposeAsync();
    }

    /// <summary>Where a service's build output is, for a test that starts one more instance of its own.</summary>
    public static string ServiceDll(string service) => ServiceProcesses.ServiceDll(service);

    public static int FreePort() => ServiceProcesses.FreePort();

    internal static string RepositoryRoot() => ServiceProcesses.RepositoryRoot();
}
