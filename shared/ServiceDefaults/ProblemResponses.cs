using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PolicyTracker.ServiceDefaults;

/// <summary>Every error a client sees is RFC 9457 problem+json with a traceId.</summary>
public static class ProblemResponses
{
    public static IHostApplicationBuilder AddProblemResponses(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions["traceId"] = Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<ClientErrorExceptionHandler>();
        // 1 MiB per request; batch endpoints raise their own limit to 16 MiB.
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = RequestLimits.DefaultBodyBytes);
        return builder;
    }

    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}

public static class RequestLimits
{
    public const long DefaultBodyBytes = 1024 * 1024;
    public const long BatchBodyBytes = 16 * 1024 * 1024;
}

/// <summary>
/// Turns failures caused by the request itself (malformed JSON, a body over the limit, a wrong
/// content type) into 4xx problems instead of the 500 the framework would otherwise give.
/// </summary>
internal sealed class ClientErrorExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, "Request body too large", "The request body exceeds the size limit."),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } bad =>
                (415, "Unsupported media type", bad.Message),
            BadHttpRequestException bad => (400, "Malformed request", Describe(bad)),
            System.Text.Json.JsonException json => (400, "Malformed JSON", json.Message),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
            Exception = exception,
        });
    }

    private static string Describe(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json ? $"Malformed JSON: {json.Message}" : bad.Message;
}
