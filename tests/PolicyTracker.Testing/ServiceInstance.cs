using System.Diagnostics;
using System.Text;

namespace PolicyTracker.Testing;

/// <summary>
/// One process of a service from its build output (<see cref="ServiceProcesses.StartInfo"/>), on a loopback
/// port, with its output kept for failure messages: what the end-to-end systems, the dashboard and the
/// failover tests start. Named ("Ingestion-2") in its logs, so a test can tell which instance did what.
/// </summary>
public sealed class ServiceInstance : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public string Name { get; }
    public int Port { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}");

    private ServiceInstance(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        _process = process;
    }

    public bool HasExited => _process.HasExited;

    /// <param name="port">The port to listen on (a free one when null; a restart passes the old one).</param>
    /// <param name="environment">Settings of this test's own, as environment variables ("Marten__DaemonMode").</param>
    public static ServiceInstance Start(string service, string name, string postgres, string rabbitmq,
        int? port = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var listenOn = port ?? ServiceProcesses.FreePort();
        var info = ServiceProcesses.StartInfo(service, listenOn, postgres, rabbitmq);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var instance = new ServiceInstance(name, listenOn, process);
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
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
