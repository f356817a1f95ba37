using System.Diagnostics;
using System.Text;
using PolicyTracker.Testing;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// One more process of a service, started the way <see cref="RunningSystem"/> starts its four (same
/// build output, environment and free loopback port), for tests that run several instances of a service
/// against infrastructure of their own. Named ("Ingestion-2") in its logs and its PostgreSQL
/// application_name, so a test can tell which instance holds which lock.
/// </summary>
public sealed class ServiceInstance : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public string Name { get; }
    public Uri Address { get; }

    private ServiceInstance(string name, Uri address, Process process)
    {
        Name = name;
        Address = address;
        _process = process;
    }

    public bool HasExited => _process.HasExited;

    public static ServiceInstance Start(string service, string name, string postgres, string rabbitmq,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = RunningSystem.FreePort();
        var info = ServiceProcesses.StartInfo(service, port, postgres, rabbitmq);
        // Several instances share one database: the production daemon mode, one node per subscription.
        info.Environment["Marten__DaemonMode"] = "HotCold";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var instance = new ServiceInstance(name, new Uri($"http://127.0.0.1:{port}"), process);
        process.OutputDataReceived += (_, e) => instance.Append(e.Data);
        process.ErrorDataReceived += (_, e) => instance.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return instance;
    }

    private void Append(string? line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    /// <summary>The last lines of the log, for a failure message.</summary>
    public string LogTail(int lines = 60) =>
        $"--- {Name} ---\n" + string.Join('\n', Log().Split('\n').TakeLast(lines));

    public async Task WaitUntilReadyAsync(TimeSpan? timeout = null)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Eventually.True(
                async () =>
                {
                    if (_process.HasExited)
                    {
                        throw new InstanceExitedException($"{Name} exited with {_process.ExitCode}:\n{LogTail()}");
                    }
                    return (await probe.GetAsync(new Uri(Address, "/health/ready"))).IsSuccessStatusCode;
                },
                $"{Name} to become ready",
                timeout ?? TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{LogTail()}", ex);
        }
    }

    private sealed class InstanceExitedException(string message) : Exception(message);

    /// <summary>kill -9: no shutdown hooks, no lock release; PostgreSQL notices the dropped connections.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
