using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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

        // Waits for the database and applies the schema, retrying through a restart, before any other start-up work.
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<PostgresStartupGate>(sp, connectionString));
        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "postgresql", tags: [Health.ReadyTag]);

        // Subscriptions and async projections: restarted after any failure, and their lag visible
        // (readiness check "subscriptions", gauge policytracker.subscription.lag). Inert without a daemon.
        builder.Services.AddHostedService<SubscriptionRecovery>();
        builder.Services.AddSingleton<SubscriptionMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SubscriptionMonitor>());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "subscriptions", sp => sp.GetRequiredService<SubscriptionMonitor>(), failureStatus: null, tags: [Health.ReadyTag]));

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
                // Leadership of each subscription is re-checked every 2 s (default 5): a dead lock holder is
                // replaced sooner, and an instance that lost its lock in a database restart stops sooner.
                options.Projections.LeadershipPollingTime = 2000;
                // A committed event wakes the daemon's subscriptions at once (PostgreSQL LISTEN/NOTIFY) instead of at
                // the next poll (250 ms to 1 s): the outbox relays move a statement on as soon as it commits. Polling stays as the safety net.
                options.Events.UseListenNotifyForEventAppends = true;
                configure(options);
            })
            .UseLightweightSessions();
    }

    /// <summary>HotCold in production (one node runs each subscription); tests may choose Solo.</summary>
    public static DaemonMode DaemonMode(this IConfiguration configuration) =>
        configuration.GetValue("Marten:DaemonMode", JasperFx.Events.Daemon.DaemonMode.HotCold);
}
