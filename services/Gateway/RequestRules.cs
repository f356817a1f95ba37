using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Gateway;

/// <summary>What the gateway decides itself, before a request is forwarded.</summary>
public static class RequestRules
{
    /// <summary>
    /// The methods the API uses. Anything else (CONNECT, TRACE, WebDAV verbs, made-up ones) would
    /// reach the forwarder, whose HTTP client cannot send some of them (a 502): it is a 405 here.
    /// </summary>
    public static readonly string[] ForwardedMethods =
        [HttpMethods.Get, HttpMethods.Head, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete, HttpMethods.Options];

    /// <summary>Routes whose contract allows a bigger body than the 1 MiB default: batch imports, 16 MiB.</summary>
    private static readonly PathString[] BatchPaths = ["/api/statements/batch"];

    public static WebApplication UseRequestRules(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!ForwardedMethods.Contains(context.Request.Method, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = string.Join(", ", ForwardedMethods);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status405MethodNotAllowed,
                        Title = "Method not allowed",
                        Detail = $"The gateway does not forward the method '{Printable(context.Request.Method)}'.",
                    },
                });
                return;
            }
            // The service behind checks the exact limit again; the gateway only must not refuse first.
            if (BatchPaths.Any(p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase))
                && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = RequestLimits.BatchBodyBytes;
            }
            await next(context);
        });
        return app;
    }

    private static string Printable(string value) =>
        new([.. value.Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
