namespace PolicyTracker.Testing;

/// <summary>Where deploy/local/infra.sh runs PostgreSQL and RabbitMQ (the same env names it prints).</summary>
public static class LocalInfrastructure
{
    public static int PostgresPort => Port("PT_PG_PORT", 55432);
    public static int RabbitPort => Port("PT_RABBIT_PORT", 35672);
    public static int RabbitManagementPort => Port("PT_RABBIT_MGMT_PORT", 35674);

    public static string AdminConnectionString =>
        $"Host=127.0.0.1;Port={PostgresPort};Database=postgres;Username=postgres;Pooling=false";

    public static string PostgresConnectionString(string database) =>
        $"Host=127.0.0.1;Port={PostgresPort};Database={database};Username=postgres;Maximum Pool Size=30";

    public static string RabbitConnectionString(string vhost, string user, string password) =>
        $"amqp://{user}:{password}@127.0.0.1:{RabbitPort}/{vhost}";

    private static int Port(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var port) ? port : fallback;
}
