using System.Diagnostics;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>What the fault suite does to a running system: kill -9 a service, start it again, take a server away.</summary>
public partial class RunningSystem
{
    /// <summary>SIGKILL, as `kill -9`: no shutdown hook runs, nothing is released or flushed.</summary>
    public async Task KillAsync(string service)
    {
        var process = _processes[service];
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts a killed service again on its port and waits until it is ready.</summary>
    public async Task RestartAsync(string service)
    {
        await KillAsync(service);
        Start(service);
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(
            async () =>
            {
                if (_processes[service].HasExited)
                {
                    throw new InvalidOperationException($"{service} exited with {_processes[service].ExitCode}:\n{Log(service)}");
                }
                return (await probe.GetAsync($"http://127.0.0.1:{_ports[service]}/health/ready")).IsSuccessStatusCode;
            },
            $"{service} to become ready again",
            TimeSpan.FromSeconds(120));
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
