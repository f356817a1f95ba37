using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PolicyTracker.ServiceDefaults.Authentication;

public static class Roles
{
    public const string Analyst = "analyst";
    public const string Auditor = "auditor";
    public const string Subscriber = "subscriber";
    public const string Admin = "admin";
}

/// <summary>Authorization policies named after who may do a thing; admin may do all.</summary>
public static class Policies
{
    public const string Analyst = "analyst";
    public const string Auditor = "auditor";
    /// <summary>Reads an analyst makes; auditors read everything an analyst reads.</summary>
    public const string Reader = "reader";
    public const string Subscriber = "subscriber";
}

public sealed record ApiKey(string Key, string Role, string Name);

public sealed class ApiKeyOptions : AuthenticationSchemeOptions
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-Api-Key";
    public List<ApiKey> Keys { get; set; } = [];
}

public static class ApiKeyAuthentication
{
    /// <summary>The keys api.md ships for Development; configured anywhere else they stop start-up.</summary>
    public static readonly IReadOnlyList<ApiKey> DevelopmentKeys =
    [
        new("analyst-dev-key", Roles.Analyst, "dev-analyst"),
        new("auditor-dev-key", Roles.Auditor, "dev-auditor"),
        new("subscriber-dev-key", Roles.Subscriber, "dev-subscriber"),
        new("subscriber2-dev-key", Roles.Subscriber, "dev-subscriber2"),
        new("admin-dev-key", Roles.Admin, "dev-admin"),
    ];

    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetSection("Auth:ApiKeys").Get<List<ApiKey>>() ?? [];
        var isDevelopment = builder.Environment.IsDevelopment();
        var devKeyConfigured = configured.FirstOrDefault(k => DevelopmentKeys.Any(d => d.Key == k.Key));
        if (!isDevelopment && devKeyConfigured is not null)
        {
            StartupFailure.Exit($"The development API key '{devKeyConfigured.Key}' is configured in the " +
                $"'{builder.Environment.EnvironmentName}' environment. Remove it from Auth:ApiKeys.");
        }
        var keys = isDevelopment ? [.. DevelopmentKeys, .. configured] : configured;

        builder.Services.AddAuthentication(ApiKeyOptions.Scheme)
            .AddScheme<ApiKeyOptions, ApiKeyHandler>(ApiKeyOptions.Scheme, o => o.Keys = keys);
        builder.Services.AddAuthorizationBuilder()
            // api.md: wherever a route says "(analyst)" for a read, an auditor may read it too.
            .AddPolicy(Policies.Analyst, p => p.RequireAssertion(context =>
                context.User.IsInRole(Roles.Analyst) || context.User.IsInRole(Roles.Admin)
                || (context.User.IsInRole(Roles.Auditor) && IsRead(context.Resource))))
            .AddPolicy(Policies.Auditor, p => p.RequireRole(Roles.Auditor, Roles.Admin))
            .AddPolicy(Policies.Reader, p => p.RequireRole(Roles.Analyst, Roles.Auditor, Roles.Admin))
            .AddPolicy(Policies.Subscriber, p => p.RequireRole(Roles.Subscriber, Roles.Admin));
        return builder;
    }

    private static bool IsRead(object? resource) =>
        resource is HttpContext http && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method));

    /// <summary>
    /// A key that is sent but unknown is 401 on every route, public ones included: authorization
    /// alone would let an anonymous route ignore it, and a wrong key must never pass silently.
    /// </summary>
    public static WebApplication UseUnknownApiKeyRejection(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.ContainsKey(ApiKeyOptions.Header)
                && (await context.AuthenticateAsync(ApiKeyOptions.Scheme)).Failure is { } failure)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails { Status = StatusCodes.Status401Unauthorized, Title = "Unknown API key", Detail = failure.Message },
                });
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>The principal name an event or resource is recorded under.</summary>
    public static string PrincipalName(this ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}

internal sealed class ApiKeyHandler(IOptionsMonitor<ApiKeyOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<ApiKeyOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyOptions.Header, out var supplied))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var key = Options.Keys.FirstOrDefault(k => k.Key == supplied.ToString());
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)],
            ApiKeyOptions.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyOptions.Scheme)));
    }
}
