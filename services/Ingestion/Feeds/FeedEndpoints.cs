using System.Security.Claims;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.ServiceDefaults.Networking;

namespace PolicyTracker.Ingestion.Feeds;

public static class FeedEndpoints
{
    public static IHostApplicationBuilder AddFeeds(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedOptions>().Bind(builder.Configuration.GetSection("Feeds"));
        var options = builder.Configuration.GetSection("Feeds").Get<FeedOptions>() ?? new FeedOptions();
        builder.Services.AddHttpClient(FeedPoller.HttpClientName, c => c.DefaultRequestHeaders.UserAgent.ParseAdd("PolicyTracker-Ingestion/1.0"))
            // Checked again at connect time (a redirect or a changed DNS answer must not reach an internal address either).
            .ConfigurePrimaryHttpMessageHandler(services =>
            {
                var allowPrivate = services.GetRequiredService<IOptions<FeedOptions>>().Value.AllowPrivateNetworks;
                return new SocketsHttpHandler
                {
                    UseCookies = false,
                    UseProxy = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, cancellationToken) => NetworkGuard.ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
                };
            })
            .AddResilienceHandler("feed-polling", pipeline =>
            {
                pipeline.AddTimeout(options.AttemptTimeout * (options.Retries + 2));
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(options.Retries, 1),
                    Delay = options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                });
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 4,
                    SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, options.AttemptTimeout.TotalSeconds * 2)),
                    BreakDuration = options.BreakDuration,
                });
                pipeline.AddTimeout(options.AttemptTimeout);
            })
            // One breaker per feed host: a dead site must not stop polling of the others.
            .SelectPipelineByAuthority();
        builder.Services.AddHostedService<FeedPoller>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/feeds", Register).RequireAuthorization(Policies.Analyst)
            .WithSummary("Register a feed")
            .WithDescription("An RSS 2.0 or Atom feed to poll every pollIntervalSeconds; its id derives from the normalised URL, so a feed is registered once (409 for a second time).");
        app.MapGet("/api/feeds", async (IQuerySession session, CancellationToken cancellationToken) =>
                Results.Ok(await session.Query<Feed>().OrderBy(f => f.CreatedAt).ToListAsync(cancellationToken)))
            .RequireAuthorization(Policies.Analyst)
            .WithSummary("List feeds")
            .WithDescription("Every registered feed in the order registered, with its last poll's outcome.");
        app.MapGet("/api/feeds/{id:guid}", async (Guid id, IQuerySession session, CancellationToken cancellationToken) =>
                await session.LoadAsync<Feed>(id, cancellationToken) is { } feed
                    ? Results.Ok(feed)
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Feed not found"))
            .RequireAuthorization(Policies.Analyst)
            .WithSummary("Get a feed")
            .WithDescription("One feed, its next poll time and its last poll's outcome (status code, items, accepted, duplicates).");
        return app;
    }

    private static async Task<IResult> Register(
        JsonElement body, ClaimsPrincipal user, IDocumentSession session, TimeProvider clock, IOptions<FeedOptions> options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["must be a JSON object"] });
        }
        // Validated as webhook URLs are: the shape, then (outside Development) where the host resolves to.
        var url = StatementInputs.ReadString(body, "url", "", errors);
        Uri? uri = null;
        if (errors.Count > 0)
        {
            errors["url"] = ["must be an absolute http(s) URL"];
        }
        else if (NetworkGuard.CheckShape(url, out uri) is { } shape)
        {
            errors["url"] = [shape];
        }
        else if (await NetworkGuard.CheckAsync(uri!, options.Value.AllowPrivateNetworks, cancellationToken) is { } refusal)
        {
            errors["url"] = [refusal];
        }
        var minimum = options.Value.MinimumIntervalSeconds;
        int interval = 0;
        if (!body.TryGetProperty("pollIntervalSeconds", out var i) || i.ValueKind != JsonValueKind.Number || !i.TryGetInt32(out interval) || interval < minimum || interval > 86_400)
        {
            errors["pollIntervalSeconds"] = [$"must be a whole number of seconds from {minimum} to 86400"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var normalised = DedupKeys.NormaliseUrl(uri!.AbsoluteUri)!;
        var id = Feed.IdFor(normalised);
        if (await session.LoadAsync<Feed>(id, cancellationToken) is { } existing)
        {
            return TypedResults.Problem($"This feed is already registered as {existing.Id}.", statusCode: StatusCodes.Status409Conflict, title: "Feed already registered");
        }
        var now = clock.GetUtcNow();
        var feed = new Feed { Id = id, Url = uri.AbsoluteUri, PollIntervalSeconds = interval, NextPollAt = now, CreatedBy = user.PrincipalName(), CreatedAt = now };
        session.Insert(feed);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (StatementIntake.IsDuplicateKey(ex))
        {
            return TypedResults.Problem("This feed was registered by a parallel request.", statusCode: StatusCodes.Status409Conflict, title: "Feed already registered");
        }
        return TypedResults.Created($"/api/feeds/{feed.Id}", feed);
    }
}
