using System.Diagnostics;
using Npgsql;

namespace PolicyTracker.EndToEnd.Tests;

/// <summary>
/// A PostgreSQL server of one test's own (initdb in a temporary folder, a free loopback port), so the
/// test can restart it with <c>pg_ctl restart -m fast</c> exactly as an operator would, without
/// disturbing the shared server every other test class runs on in parallel. Same binaries and version
/// as deploy/local/infra.sh; as root the server runs as the postgres user, as infra.sh does.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private const string Database = "policytracker";
    private readonly string _directory;
    private readonly int _port = RunningSystem.FreePort();

    private PrivatePostgres(string directory) => _directory = directory;

    private string DataDirectory => Path.Combine(_directory, "data");

    public string ConnectionString(string applicationName) =>
        $"Host=127.0.0.1;Port={_port};Database={Database};Username=postgres;Maximum Pool Size=30;Application Name={applicationName}";

    public string AdminConnectionString => $"Host=127.0.0.1;Port={_port};Database={Database};Username=postgres;Pooling=false";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("pt-pg-").FullName;
        var server = new PrivatePostgres(directory);
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:postgres", directory]);
        }
        await server.PgAsync("initdb", "-D", server.DataDirectory, "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8", "-N");
        await server.PgCtlAsync("start");
        await using (var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={server._port};Database=postgres;Username=postgres;Pooling=false"))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return server;
    }

    /// <summary>A fast restart: every session is terminated (57P01), new ones refused until it is back.</summary>
    public Task RestartAsync() => PgCtlAsync("restart", "-m", "fast");

    public Task StopAsync() => PgCtlAsync("stop", "-m", "fast");

    public Task StartAgainAsync() => PgCtlAsync("start");

    public async Task<T> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        return read(reader);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgCtlAsync("stop", "-m", "immediate");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
        Directory.Delete(_directory, recursive: true);
    }

    private Task PgCtlAsync(string command, params string[] extra) =>
        PgAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_directory, "postgres.log"), "-w", "-t", "60",
            "-o", $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c max_connections=300", command, .. extra]);

    private static bool IsRoot => Environment.UserName == "root";

    private Task PgAsync(string tool, params string[] arguments) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(Bin, tool), .. arguments]) : RunAsync(Path.Combine(Bin, tool), arguments);

    private static async Task RunAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not run {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
