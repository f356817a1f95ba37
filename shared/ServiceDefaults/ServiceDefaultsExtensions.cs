using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PolicyTracker.ServiceDefaults.Authentication;

namespace PolicyTracker.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>What every service shares: telemetry, health, problem details, JSON, API keys, OpenAPI.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.AddTelemetry();
        builder.AddHealth();
        builder.AddProblemResponses();
        builder.AddApiKeyAuthentication();
        builder.Services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.UseProblemResponses();
        app.UseAuthentication();
        app.UseUnknownApiKeyRejection();
        app.UseAuthorization();
        app.UseRequestBodyGuard();
        app.MapHealth();
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

    /// <summary>The public contract's JSON: camelCase, enums as lower-case kebab strings.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }
}
