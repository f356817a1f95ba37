using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
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
        // Binding failures (malformed JSON, a value of the wrong kind, a missing body, a query value that is
        // not a number) throw in every environment, not just Development, so the handler below names the field.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
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
/// Turns failures caused by the request itself (malformed JSON, a value of the wrong kind, a body over
/// the limit, a wrong content type) into 4xx problems instead of the 500 the framework would otherwise
/// give; a body or parameter that cannot be bound is a validation problem naming the field.
/// </summary>
internal sealed partial class ClientErrorExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                Problem(413, "Request body too large", "The request body exceeds the size limit."),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } bad =>
                Problem(415, "Unsupported media type", bad.Message),
            BadHttpRequestException { InnerException: System.Text.Json.JsonException json } => Invalid(context, json),
            BadHttpRequestException bad => Unbound(context, bad),
            System.Text.Json.JsonException json => Invalid(context, json),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails Problem(int status, string title, string detail) => new() { Status = status, Title = title, Detail = detail };

    private static HttpValidationProblemDetails Invalid(HttpContext context, System.Text.Json.JsonException json) =>
        new(JsonBodyErrors.For(json, RequestType(context))) { Status = 400, Detail = "The request body does not fit the operation's schema." };

    /// <summary>
    /// A missing body, or a route, query or header value the parameter's type cannot hold ("limit=ten"), in the
    /// framework's words: Failed to bind parameter "int? limit" from "ten"; Required parameter "T name" was not
    /// provided from body; Implicit body inferred for parameter "T name" but no body was provided.
    /// </summary>
    private static ProblemDetails Unbound(HttpContext context, BadHttpRequestException bad)
    {
        var parameter = UnboundParameter().Match(bad.Message);
        var noBody = RequestType(context) is not null
            && (bad.Message.Contains("no body was provided", StringComparison.Ordinal) || bad.Message.EndsWith("was not provided from body.", StringComparison.Ordinal));
        var errors = noBody ? new Dictionary<string, string[]> { ["body"] = ["is required: a JSON object"] }
            : !parameter.Success ? null
            : new Dictionary<string, string[]> { [parameter.Groups["name"].Value] = [parameter.Groups["kind"].Value == "Required" ? "is required" : "has a value of the wrong kind"] };
        return errors is null ? Problem(400, "Malformed request", bad.Message) : new HttpValidationProblemDetails(errors) { Status = 400, Detail = bad.Message };
    }

    // The exception handler clears the request's endpoint before handlers run; its feature keeps the one that threw.
    private static Type? RequestType(HttpContext context) =>
        (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    [System.Text.RegularExpressions.GeneratedRegex("^(?<kind>Failed to bind|Required) parameter \"(?:[^\"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)\" ")]
    private static partial System.Text.RegularExpressions.Regex UnboundParameter();
}
