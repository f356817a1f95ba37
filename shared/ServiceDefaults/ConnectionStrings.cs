using Microsoft.Extensions.Configuration;
using Npgsql;

namespace PolicyTracker.ServiceDefaults;

/// <summary>The two named connection strings every back-end service needs, validated at start-up.</summary>
public static class ConnectionStrings
{
    public static string Postgres(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString("postgres");
        if (string.IsNullOrWhiteSpace(value))
        {
            StartupFailure.Exit("ConnectionStrings:postgres is missing (env ConnectionStrings__postgres), e.g. " +
                "\"Host=127.0.0.1;Port=55432;Database=policytracker;Username=postgres\".");
        }
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
        }
        catch (ArgumentException ex)
        {
            StartupFailure.Exit($"ConnectionStrings:postgres is malformed: {ex.Message}");
        }
        return value!;
    }

    public static Uri RabbitMq(IConfiguration configuration)
    {
        var value = configuration.GetConnectionString("rabbitmq");
        if (string.IsNullOrWhiteSpace(value))
        {
            StartupFailure.Exit("ConnectionStrings:rabbitmq is missing (env ConnectionStrings__rabbitmq), e.g. " +
                "\"amqp://guest:guest@127.0.0.1:35672/policytracker\".");
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq"))
        {
            StartupFailure.Exit($"ConnectionStrings:rabbitmq is malformed: '{value}' is not an amqp:// URI.");
        }
        return uri!;
    }
}
