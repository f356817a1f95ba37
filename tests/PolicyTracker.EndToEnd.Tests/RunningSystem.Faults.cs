using System.Diagnostics;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>What the fault suite does to a running system: kill -9 a service, start it again, take a server away.</summary>
public partial class RunningSystem
{
    /// <summary>SIGKILL, as `kill -9`: no shutdown hook runs, nothing is released or flushed.</summary>
    public Task KillAsync(string service) => _instances[service].KillAsync();

    /// <summary>Starts a killed service again on its port and waits until it is ready.</summary>
    public async Task RestartAsync(string service)
    {
        await _instances[service].DisposeAsync();
        Start(service);
        await _instances[service].WaitUntilReadyAsync();
    }

    /// <summary>Runs deploy/local/infra.sh with this process's PT_* settings (restart-rabbitmq, restart-postgres).</summary>
    public static async Task InfraAsync(string command)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), "deploy", "local", "infra.sh"), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run infra.sh");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"infra.sh {command} failed ({process.ExitCode}): {await output}{await error}");
        }
    }
}
