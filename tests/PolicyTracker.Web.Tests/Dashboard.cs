using PolicyTracker.Testing;

[assembly: AssemblyFixture(typeof(PolicyTracker.Web.Tests.Dashboard))]
// One browser and one set of services for the assembly; the tests take turns so a page's timing
// (the live panel's 2 s) is not measured while another test loads the two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace PolicyTracker.Web.Tests;

/// <summary>
/// The five services as real processes from their build output on free loopback ports (the launch
/// of tests/PolicyTracker.EndToEnd.Tests' RunningSystem plus the dashboard), on a database and vhost
/// of this assembly's own, and one headless Debian chromium shared by every test.
/// </summary>
public sealed class Dashboard : IAsyncLifetime
{
    private static readonly string[] Services = ["Tracker", "Ingestion", "Notifications", "Web", "Gateway"];
    private readonly Dictionary<string, ServiceInstance> _instances = [];
    private readonly Dictionary<string, int> _ports = Services.ToDictionary(s => s, _ => FreePort());
    private IPlaywright? _playwright;

    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public Uri Gateway => new($"http://127.0.0.1:{_ports["Gateway"]}");
    private string KeysDirectory => Path.Combine(Path.GetTempPath(), $"pt-web-keys-{Infrastructure.Name}");

    public HttpClient Client(string? apiKey = null) =>
        new HttpClient { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(30) }.WithApiKey(apiKey);

    public async ValueTask InitializeAsync()
    {
        Infrastructure = await IsolatedInfrastructure.CreateAsync("web");
        var browser = LaunchBrowserAsync();
        foreach (var service in Services)
        {
            Start(service);
        }
        foreach (var service in Services)
        {
            await _instances[service].WaitUntilReadyAsync();
        }
        // The Tracker seeds the essay's eleven predictions at start-up.
        using var anonymous = Client();
        await Eventually.True(
            async () => (await anonymous.GetStringAsync("/api/predictions")).Split("\"id\"").Length - 1 >= 11,
            "the eleven seeded predictions", TimeSpan.FromSeconds(60));
        Browser = await browser;
    }

    private async Task<IBrowser> LaunchBrowserAsync()
    {
        _playwright = await Playwright.CreateAsync();
        // Debian's chromium, never a downloaded browser (stack-notes.md).
        return await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--disable-gpu", "--disable-background-networking"],
        });
    }

    public string Log(string service) => _instances[service].Log();

    private void Start(string service)
    {
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_gcServer"] = "0",
            ["DataProtection__KeysDirectory"] = KeysDirectory,
        };
        foreach (var (cluster, target) in new[] { ("ingestion", "Ingestion"), ("tracker", "Tracker"), ("notifications", "Notifications"), ("web", "Web") })
        {
            environment[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = $"http://127.0.0.1:{_ports[target]}";
            environment[$"Api__{target}"] = $"http://127.0.0.1:{_ports[target]}";
        }
        _instances[service] = ServiceInstance.Start(service, service, Infrastructure.PostgresConnectionString, Infrastructure.RabbitConnectionString,
            _ports[service], environment);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        // PT_SERVICE_LOGS=<dir> keeps each service's output for a failure that needs it.
        if (Environment.GetEnvironmentVariable("PT_SERVICE_LOGS") is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
            foreach (var service in _instances.Keys)
            {
                await File.WriteAllTextAsync(Path.Combine(logs, $"{service}.log"), Log(service));
            }
        }
        foreach (var instance in _instances.Values)
        {
            await instance.DisposeAsync();
        }
        if (Infrastructure is not null)
        {
            if (Directory.Exists(KeysDirectory))
            {
                Directory.Delete(KeysDirectory, recursive: true);
            }
            await Infrastructure.DisposeAsync();
        }
    }

    private static int FreePort() => ServiceProcesses.FreePort();

    public static string RepositoryRoot() => ServiceProcesses.RepositoryRoot();
}
