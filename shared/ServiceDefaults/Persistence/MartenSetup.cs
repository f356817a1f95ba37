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
        builder.Services.AddOptions<StartupOptions>().BindConfiguration(StartupOptions.Section)
            .Validate(o => o.DependencyTimeoutSeconds >= 0, $"{StartupOptions.Section}:DependencyTimeoutSeconds must not be negative").ValidateOnStart();
        builder.Services.AddOptions<SubscriptionMonitorOptions>().BindConfiguration(SubscriptionMonitorOptions.Section)
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.MaxLag >= 0, $"{SubscriptionMonitorOptions.Section}: PollInterval must be positive and MaxLag not negative").ValidateOnStart();

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
                // The outbox relays look for new events every 100 ms while busy and every 250 ms when idle (Marten's
                // defaults: 250 ms and 1 s), so a committed statement moves on within a tenth of a second. Waking on
                // PostgreSQL LISTEN/NOTIFY instead (issue 9) left Ingestion's forwarder at "running, lag 1" for 90 s
                // after a broker outage, twice in the full suite; a short poll costs one cheap query per tick.
                options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
                options.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
                configure(options);
            })
            .UseLightweightSessions();
    }

    /// <summary>The daemon mode, read while the store is configured (Marten takes it then).</summary>
    public static DaemonMode DaemonMode(this IConfiguration configuration) =>
        (configuration.GetSection(DaemonOptions.Section).Get<DaemonOptions>() ?? new DaemonOptions()).DaemonMode;
}

/// <summary>Bound from Marten.</summary>
public sealed class DaemonOptions
{
    public const string Section = "Marten";

    /// <summary>HotCold in production (one node runs each subscription); tests may choose Solo.</summary>
    public DaemonMode DaemonMode { get; set; } = JasperFx.Events.Daemon.DaemonMode.HotCold;
}

/// <summary>Bound from Startup.</summary>
public sealed class StartupOptions
{
    public const string Section = "Startup";

    /// <summary>How long start-up waits for PostgreSQL before giving up; 0 (the default) waits as long as it takes.</summary>
    public int DependencyTimeoutSeconds { get; set; }
}
