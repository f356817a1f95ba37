using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace PolicyTracker.Testing;

/// <summary>
/// A database and a RabbitMQ vhost (with its own user) of one test class's own on the real
/// servers, so test classes never see each other's data or messages and can run in parallel.
/// Outages are simulated per test: the vhost user loses its permissions and its connections are
/// closed (RabbitMQ "down" for this test only); the database refuses connections (PostgreSQL "down").
/// </summary>
public sealed class IsolatedInfrastructure : IAsyncDisposable
{
    private static readonly HttpClient Management = CreateManagementClient();

    public string Name { get; }
    public string PostgresConnectionString => LocalInfrastructure.PostgresConnectionString(Name);
    public string RabbitConnectionString => LocalInfrastructure.RabbitConnectionString(Name, Name, Password);
    private string Password => "pw-" + Name;

    private IsolatedInfrastructure(string name) => Name = name;

    public static async Task<IsolatedInfrastructure> CreateAsync(string prefix = "t")
    {
        var infrastructure = new IsolatedInfrastructure($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)]);
        await using (var connection = new NpgsqlConnection(LocalInfrastructure.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{infrastructure.Name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        await Put($"/api/vhosts/{infrastructure.Name}", new { });
        await Put($"/api/users/{infrastructure.Name}", new { password = infrastructure.Password, tags = "" });
        await infrastructure.GrantRabbitAsync();
        return infrastructure;
    }

    /// <summary>RabbitMQ becomes unreachable for this test: permissions revoked, open connections closed.</summary>
    public async Task StopRabbitAsync()
    {
        (await Management.DeleteAsync($"/api/permissions/{Name}/{Name}")).EnsureSuccessStatusCode();
        var connections = await Management.GetFromJsonAsync<List<RabbitConnection>>($"/api/vhosts/{Name}/connections") ?? [];
        foreach (var connection in connections)
        {
            await Management.DeleteAsync($"/api/connections/{Uri.EscapeDataString(connection.Name)}");
        }
    }

    public Task StartRabbitAsync() => GrantRabbitAsync();

    /// <summary>A queue of this test's vhost as the RabbitMQ management API describes it (messages, type, durable...).</summary>
    /// <summary>A queue's state from the management API; an undefined element while the queue does not exist.</summary>
    public async Task<JsonElement> QueueAsync(string queue)
    {
        using var response = await Management.GetAsync($"/api/queues/{Name}/{Uri.EscapeDataString(queue)}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>PostgreSQL becomes unreachable for this test's database: new connections refused, open ones ended.</summary>
    public async Task StopPostgresAsync()
    {
        await AdminAsync($"ALTER DATABASE \"{Name}\" WITH ALLOW_CONNECTIONS false");
        await AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Name}'");
    }

    public Task StartPostgresAsync() => AdminAsync($"ALTER DATABASE \"{Name}\" WITH ALLOW_CONNECTIONS true");

    public async ValueTask DisposeAsync()
    {
        await AdminAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
        await Management.DeleteAsync($"/api/vhosts/{Name}");
        await Management.DeleteAsync($"/api/users/{Name}");
    }

    private Task GrantRabbitAsync() =>
        Put($"/api/permissions/{Name}/{Name}", new { configure = ".*", write = ".*", read = ".*" });

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(LocalInfrastructure.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task Put(string path, object body) =>
        (await Management.PutAsJsonAsync(path, body)).EnsureSuccessStatusCode();

    private static HttpClient CreateManagementClient()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{LocalInfrastructure.RabbitManagementPort}") };
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));
        return client;
    }

    private sealed record RabbitConnection(string Name);
}
