using Marten;
using MassTransit;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.DeliveringEmail;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.FanningOut;
using PolicyTracker.Notifications.Feed;
using PolicyTracker.Notifications.Predictions;
using PolicyTracker.Notifications.Retention;
using PolicyTracker.Notifications.RotatingSecrets;
using PolicyTracker.Notifications.Subscribing;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.ServiceDefaults;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.ServiceDefaults.Persistence;
using PolicyTracker.Contracts.Tracker;
using Polly;

namespace PolicyTracker.Notifications;

public static class NotificationsSetup
{
    /// <summary>Everything Notifications registers: its store, its consumers and the delivery workers.</summary>
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder) =>
        builder.AddNotificationsStore().AddNotificationsMessaging().AddDeliveries();

    public static WebApplication MapNotifications(this WebApplication app) => app.MapNotificationsEndpoints();

    public static IHostApplicationBuilder AddNotificationsStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceMarten("notifications", opts =>
        {
            opts.Schema.For<Subscription>().Duplicate(s => s.Owner);
            // Columns the worker's claim query reads and writes directly.
            opts.Schema.For<Delivery>()
                .Duplicate(d => d.State)
                .Duplicate(d => d.NextAttemptAt)
                .Duplicate(d => d.ClaimedUntil)
                .Duplicate(d => d.SubscriptionId)
                .Duplicate(d => d.PredictionId)
                .Duplicate(d => d.Version)
                .Duplicate(d => d.SequenceInVersion);
            // Retention removes old records by this column.
            opts.Schema.For<ProcessedMessage>().Duplicate(m => m.ProcessedAt);
            opts.Schema.For<PredictionSummary>();
            // Deleting a subscription deletes its baselines by this column.
            opts.Schema.For<ProbabilityBaseline>().Duplicate(b => b.SubscriptionId);
            opts.Events.AddEventType<FeedAlertRaised>();
        });
        return builder;
    }

    public static IHostApplicationBuilder AddNotificationsMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<DeliveryFanOut>();
        builder.AddServiceMessaging(x =>
        {
            // Registrations, rewords and every alerting event, as one type in queue order (copies included,
            // so a new prediction's tags reach the events after it).
            x.AddConsumer<PredictionNoticesConsumer, PredictionNoticesConsumerDefinition>();
            x.AddRequestClient<GetPredictionCatalog>();
            x.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                if (name == PredictionEventsEndpoint.Name)
                {
                    PredictionEventsEndpoint.Configure(endpoint, context);
                }
            });
        });
        builder.AddPredictionCopies(new PredictionCopyMapping<PredictionSummary>(PredictionSummary.From, PredictionSummary.From, (known, reworded) =>
        {
            known.Title = reworded.Title;
            known.Version = reworded.Version;
        }));
        return builder;
    }

    public static IHostApplicationBuilder AddDeliveries(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section);
        builder.Services.AddSingleton(new WebhookSecrets(SecretKey(builder)));
        builder.Services.AddSingleton<DeliveryWakeup>();
        builder.Services.AddSingleton<NotificationsMetrics>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<EmailSender>();
        builder.Services.AddSingleton<DeliveryOutcomeWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryOutcomeWriter>());
        builder.Services.AddHostedService<DeliveryWorker>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section);
        builder.Services.AddHostedService<RetentionCleanup>();

        builder.Services.AddHttpClient(WebhookSender.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var allowPrivate = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    ConnectCallback = (context, cancellationToken) => NetworkGuard.ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
                };
            })
            .AddResilienceHandler("webhook", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value;
                // Outermost first: the breaker counts timeouts as failures. No retry here: retries are durable, in the worker.
                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = o.CircuitBreakerFailureRatio,
                    MinimumThroughput = o.CircuitBreakerMinimumThroughput,
                    SamplingDuration = o.CircuitBreakerSamplingDuration,
                    BreakDuration = o.CircuitBreakerBreakDuration,
                });
                pipeline.AddTimeout(o.AttemptTimeout);
            })
            .SelectPipelineByAuthority();
        return builder;
    }

    private static byte[] SecretKey(IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration[$"{WebhookOptions.Section}:SecretKey"];
        byte[]? key = null;
        try
        {
            key = string.IsNullOrWhiteSpace(configured) ? null : Convert.FromBase64String(configured);
        }
        catch (FormatException)
        {
        }
        if (key is not { Length: 32 })
        {
            StartupFailure.Exit("Webhooks:SecretKey must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`); " +
                "it encrypts webhook secrets at rest (env Webhooks__SecretKey).");
        }
        return key!;
    }

    public static WebApplication MapNotificationsEndpoints(this WebApplication app)
    {
        var subscriptions = app.MapGroup("/api/subscriptions").RequireAuthorization(Policies.Subscriber).WithTags("Subscriptions");
        subscriptions.MapPost("", SubscribeEndpoint.Handle)
            .WithSummary("Subscribe")
            .WithDescription("A webhook, e-mail or feed subscription with a filter (prediction ids, tags, event types, probability thresholds to cross, a minimum probability change); a webhook subscription answers its signing secret once.");
        subscriptions.MapGet("", SubscriptionEndpoints.List)
            .WithSummary("List my subscriptions")
            .WithDescription("The caller's subscriptions, active or disabled (with the reason).");
        subscriptions.MapGet("{id:guid}", SubscriptionEndpoints.Get)
            .WithSummary("Get a subscription")
            .WithDescription("One of the caller's subscriptions; another subscriber's is 404.");
        subscriptions.MapDelete("{id:guid}", SubscriptionEndpoints.Delete)
            .WithSummary("Delete a subscription")
            .WithDescription("Stops deliveries to it: the worker marks its unsettled deliveries dead when it reaches them.");
        subscriptions.MapPost("{id:guid}/rotate-secret", RotateSecretEndpoint.Handle)
            .WithSummary("Rotate a webhook secret")
            .WithDescription("Answers the new secret; the previous one keeps signing beside it for the overlap (Webhooks:SecretRotationOverlap) so receivers can switch.");
        subscriptions.MapGet("{id:guid}/deliveries", DeliveryEndpoints.ListForSubscription)
            .WithSummary("A subscription's deliveries")
            .WithDescription("Each delivery with its state (pending, delivered, failed, dead), attempts, last status code and error, and its next attempt.");

        app.MapPost("/api/deliveries/{id:guid}/redeliver", DeliveryEndpoints.Redeliver).RequireAuthorization(Policies.Subscriber).WithTags("Deliveries")
            .WithSummary("Redeliver a dead delivery")
            .WithDescription("Puts it back at the start of the retry schedule with the same webhook-id; 409 unless it is dead.");

        var feed = app.MapGroup("/api/feed").RequireAuthorization(Policies.Subscriber).WithTags("Feed");
        feed.MapGet("", FeedEndpoints.List)
            .WithSummary("My feed")
            .WithDescription("The caller's latest in-app alerts, newest first; limit 1 to 1000 (100).");
        feed.MapGet("stream", FeedEndpoints.Stream)
            .WithSummary("My feed as server-sent events")
            .WithDescription("Alerts as they are raised, the feed sequence as event id; Last-Event-ID (or lastEventId) resumes after the one a client last saw.");
        return app;
    }
}
