using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using BadHttpRequestException = Microsoft.AspNetCore.Http.BadHttpRequestException;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PolicyTracker.ServiceDefaults.Requests;
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
        // After the framework's writer: it answers requests that accept JSON, this one all the others.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJsonWriter>());
        builder.Services.AddExceptionHandler<ClientErrorExceptionHandler>();
        // 1 MiB per request; batch endpoints raise their own limit to 16 MiB.
        builder.Services.Configure<KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestBodySize = RequestLimits.DefaultBodyBytes;
            // Header bytes that are not valid UTF-8 would make Kestrel drop the request with a bare 400;
            // read as Latin-1 every byte is a character, and the header guard answers with a problem.
            o.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
        });
        return builder;
    }

    /// <summary>
    /// Problem+json for every error, then the request guards that need no body (header bytes, NULs
    /// in the query, the charset), so that no malformed input reaches code that would fail with a 5xx.
    /// </summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use((context, next) =>
        {
            var problem = RequestGuards.CheckHeaderBytes(context.Request)
                ?? RequestGuards.CheckQuery(context.Request)
                ?? RequestGuards.CheckCharset(context.Request);
            return problem is null ? next(context) : WriteAsync(context, problem);
        });
        return app;
    }

    /// <summary>
    /// NULs and unpaired surrogates in JSON bodies, for services that read bodies (the gateway does
    /// not). After authorization, so a request that may not be made never has its body read.
    /// </summary>
    public static WebApplication UseRequestBodyGuard(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (await RequestGuards.CheckBodyTextAsync(context.Request, context.RequestAborted) is { } problem)
            {
                await WriteAsync(context, problem);
                return;
            }
            await next(context);
        });
        return app;
    }

    private static Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status!.Value;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
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
