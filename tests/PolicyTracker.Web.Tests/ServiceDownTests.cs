using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PolicyTracker.Testing;
using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

/// <summary>The dashboard on its own, its API addresses pointing at ports where nothing listens.</summary>
public sealed class LoneDashboard : IAsyncLifetime
{
    private Process? _process;
    public Uri Address { get; } = new($"http://127.0.0.1:{FreePort()}");
    private readonly string _keys = Path.Combine(Path.GetTempPath(), $"pt-web-keys-lone-{Guid.NewGuid():N}");

    public async ValueTask InitializeAsync()
    {
        var dll = ServiceProcesses.ServiceDll("Web");
        var info = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = Path.GetDirectoryName(dll)!, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = Address.ToString();
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DataProtection__KeysDirectory"] = _keys;
        foreach (var service in new[] { "Tracker", "Ingestion", "Notifications" })
        {
            info.Environment[$"Api__{service}"] = $"http://127.0.0.1:{FreePort()}";
        }
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(async () => (await probe.GetAsync(new Uri(Address, "/health/live"))).IsSuccessStatusCode, "the lone dashboard to start", TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        if (Directory.Exists(_keys))
        {
            Directory.Delete(_keys, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed class ServiceDownTests(Dashboard dashboard, LoneDashboard lone) : IClassFixture<LoneDashboard>
{
    [Fact]
    public async Task With_the_services_down_pages_say_which_part_is_unavailable_and_never_show_a_stack_trace()
    {
        var context = await dashboard.Browser.NewContextAsync(new() { BaseURL = lone.Address.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            foreach (var path in new[] { "/", "/predictions/iran-deal", "/scorecard" })
            {
                await page.GotoAsync(path);
                await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The Tracker service is unavailable");
                (await page.Locator("body").InnerTextAsync()).ShouldNotContain("   at ");
            }
            await page.GotoAsync("/signin");
            await page.GetByLabel("API key").FillAsync("analyst-dev-key");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("service is unavailable");
        }
        finally
        {
            await context.DisposeAsync();
        }
    }
}
