using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PolicyTracker.Notifications.Tests.Support;

/// <summary>A real SMTP server (Debian's aiosmtpd) on a loopback port; what it receives is read from its output.</summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public int Port { get; }
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    private SmtpServer(int port)
    {
        Port = port;
        _process = new Process
        {
            StartInfo = new ProcessStartInfo("/usr/bin/python3", $"-u -m aiosmtpd -n -l 127.0.0.1:{port}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        _process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
    }

    public static async Task<SmtpServer> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new SmtpServer(port);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        await Eventually.True(async () =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "the SMTP server to listen");
        return server;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
