using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Weasel.Core;

namespace PolicyTracker.ServiceDefaults.Persistence;

public static class MartenSetup
{
    /// <summary>
    /// Marten on the named connection string "postgres", in the service's own schema, with the
    /// event metadata every stream carries (correlation, causation, user name, headers for trace context).
    /// The caller adds its projections, subscriptions and daemon.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddServiceMarten(
        this IHostApplicationBuilder builder, string schema, Action<StoreOptions> configure)
    {
        var connectionString = ConnectionStrings.Postgres(builder.Configuration);

        // Waits for the database before Marten's own start-up work touches it.
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<PostgresStartupGate>(sp, connectionString));
        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "postgresql", tags: [Health.ReadyTag]);

        return builder.Services.AddMarten(options =>
            {
                options.Connection(connectionString);
                options.DatabaseSchemaName = schema;
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
                options.Events.MetadataConfig.CorrelationIdEnabled = true;
                options.Events.MetadataConfig.CausationIdEnabled = true;
                options.Events.MetadataConfig.HeadersEnabled = true;
                // EnableAll() leaves the user name off; auditors need it.
                options.Events.MetadataConfig.UserNameEnabled = true;
                options.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;
                options.OpenTelemetry.TrackEventCounters();
                configure(options);
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
    }

    /// <summary>HotCold in production (one node runs each subscription); tests may choose Solo.</summary>
    public static DaemonMode DaemonMode(this IConfiguration configuration) =>
        configuration.GetValue("Marten:DaemonMode", JasperFx.Events.Daemon.DaemonMode.HotCold);
}
