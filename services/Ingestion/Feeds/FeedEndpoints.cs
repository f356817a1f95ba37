using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.ServiceDefaults.Networking;
using static PolicyTracker.ServiceDefaults.InputParsing;

namespace PolicyTracker.Ingestion.Feeds;

/// <summary>A feed to poll, as <c>POST /api/feeds</c> carries it.</summary>
public sealed record RegisterFeedRequest(string? Url, int? PollIntervalSeconds);

public static class FeedEndpoints
{
    public static IHostApplicationBuilder AddFeeds(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section)
            .Validate(o => o.MinimumIntervalSeconds > 0 && o.AttemptTimeout > TimeSpan.Zero && o.TickInterval > TimeSpan.Zero,
                $"{FeedOptions.Section}: MinimumIntervalSeconds, AttemptTimeout and TickInterval must be positive")
            .ValidateOnStart();
        builder.Services.AddHttpClient(FeedPoller.HttpClientName, c => c.DefaultRequestHeaders.UserAgent.ParseAdd("PolicyTracker-Ingestion/1.0"))
            .ConfigurePrimaryHttpMessageHandler(services =>
                NetworkGuard.Handler(services.GetRequiredService<IOptions<FeedOptions>>().Value.AllowPrivateNetworks))
            .AddResilienceHandler("feed-polling", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<FeedOptions>>().Value;
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
        app.MapGet("/api/feeds", async Task<Ok<List<Feed>>> (IQuerySession session, CancellationToken cancellationToken) =>
                TypedResults.Ok((await session.Query<Feed>().OrderBy(f => f.CreatedAt).ToListAsync(cancellationToken)).ToList()))
            .RequireAuthorization(Policies.Analyst)
            .WithSummary("List feeds")
            .WithDescription("Every registered feed in the order registered, with its last poll's outcome.");
        app.MapGet("/api/feeds/{id:guid}", async Task<Results<Ok<Feed>, ProblemHttpResult>> (Guid id, IQuerySession session, CancellationToken cancellationToken) =>
                await session.LoadAsync<Feed>(id, cancellationToken) is { } feed
                    ? TypedResults.Ok(feed)
                    : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Feed not found"))
            .RequireAuthorization(Policies.Analyst)
            .WithSummary("Get a feed")
            .WithDescription("One feed, its next poll time and its last poll's outcome (status code, items, accepted, duplicates).");
        return app;
    }

    private static async Task<Results<Created<Feed>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterFeedRequest request, ClaimsPrincipal user, IDocumentSession session, TimeProvider clock, IOptions<FeedOptions> options, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        // Validated as webhook URLs are: the shape, then (outside Development) where the host resolves to.
        Uri? uri = null;
        if (NetworkGuard.CheckShape(request.Url, out uri) is { } shape)
        {
            errors["url"] = [shape];
        }
        else if (await NetworkGuard.CheckAsync(uri!, options.Value.AllowPrivateNetworks, cancellationToken) is { } refusal)
        {
            errors["url"] = [refusal];
        }
        var minimum = options.Value.MinimumIntervalSeconds;
        Require(errors, "pollIntervalSeconds", request.PollIntervalSeconds is { } interval && interval >= minimum && interval <= 86_400,
            $"must be a whole number of seconds from {minimum} to 86400");
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
        var feed = new Feed { Id = id, Url = uri.AbsoluteUri, PollIntervalSeconds = request.PollIntervalSeconds!.Value, NextPollAt = now, CreatedBy = user.PrincipalName(), CreatedAt = now };
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
