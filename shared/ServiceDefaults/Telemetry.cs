using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PolicyTracker.ServiceDefaults;

public static class Telemetry
{
    /// <summary>
    /// Activity sources and meters every service exports. A service's own instruments go on the
    /// "PolicyTracker" meter and activity source, so nothing here changes when a service adds one.
    /// </summary>
    public static readonly string[] Sources = ["Marten", "MassTransit", "PolicyTracker"];

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(Sources))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddNpgsql());

        // OTLP when an endpoint is configured (docker-compose points it at Jaeger): the OpenTelemetry SDK's own
        // variable, which the exporter reads itself. The console exporter is opt-in: printing every span would
        // drown the service logs run.sh keeps.
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!string.IsNullOrWhiteSpace(builder.Configuration[TelemetryOptions.OtlpEndpointVariable]))
        {
            otel.UseOtlpExporter();
        }
        else if (options.Console)
        {
            otel.WithTracing(t => t.AddConsoleExporter()).WithMetrics(m => m.AddConsoleExporter());
        }
        return builder;
    }
}

/// <summary>Bound from Telemetry, while the host is built (the exporters are chosen then).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Print spans and metrics on the console.</summary>
    public bool Console { get; set; }
}
