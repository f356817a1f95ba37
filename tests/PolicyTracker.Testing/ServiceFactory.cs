using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace PolicyTracker.Testing;

/// <summary>
/// A service under test through WebApplicationFactory, wired to an isolated database and vhost on
/// the real PostgreSQL and RabbitMQ. Extra settings override appsettings for one test class.
/// </summary>
public class ServiceFactory<TProgram>(IsolatedInfrastructure infrastructure, IDictionary<string, string?>? settings = null)
    : WebApplicationFactory<TProgram> where TProgram : class
{
    public IsolatedInfrastructure Infrastructure => infrastructure;

    /// <summary>A client of the service under test sending <paramref name="apiKey"/>; null for an anonymous one.</summary>
    public HttpClient Client(string? apiKey = null) => CreateClient().WithApiKey(apiKey);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:postgres", infrastructure.PostgresConnectionString);
        builder.UseSetting("ConnectionStrings:rabbitmq", infrastructure.RabbitConnectionString);
        builder.UseSetting("Marten:DaemonMode", "Solo");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }
}
