using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PolicyTracker.Testing;

/// <summary>
/// The services as real processes from their build output: where that output is, a free loopback
/// port, and the start settings every such test shares (Development, this test's database and vhost,
/// output captured). Each test adds what is its own (gateway routes, daemon mode, keys).
/// </summary>
public static class ServiceProcesses
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PolicyTracker.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("PolicyTracker.sln not found above the test output");
    }

    /// <summary>A service's build output; the test assembly and the services share one configuration (bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string ServiceDll(string service) =>
        Path.Combine(RepositoryRoot(), "services", service, "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", $"PolicyTracker.{service}.dll");

    public static ProcessStartInfo StartInfo(string service, int port, string postgres, string rabbitmq)
    {
        var dll = ServiceDll(service);
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ConnectionStrings__postgres"] = postgres;
        info.Environment["ConnectionStrings__rabbitmq"] = rabbitmq;
        // Every essay horizon (2021-2025) has passed by now; with the horizon check on, the seeded
        // predictions would all be overdue and no band could move. These tests keep them in their bands.
        info.Environment["Tracker__HorizonCheck__Enabled"] = "false";
        return info;
    }
}
