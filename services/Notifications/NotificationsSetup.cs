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
using PolicyTracker.ServiceDefaults.Networking;
using PolicyTracker.ServiceDefaults.Persistence;
using PolicyTracker.Contracts.Tracker;
using Polly;

namespace PolicyTracker.Notifications;

public static class NotificationsSetup
{
    /// <summary>Everything Notifications registers: its store, its consumers and the delivery workers.</summary>
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder) =>
        builder.AddNotificationsStore().AddNotificationsMessaging().AddDeliveries();

    /// <summary>Each feature folder maps its own routes.</summary>
    public static WebApplication MapNotifications(this WebApplication app)
    {
        app.MapGroup("/api/subscriptions").RequireAuthorization(Policies.Subscriber).WithTags("Subscriptions")
            .MapSubscribe()
            .MapSubscriptions()
            .MapRotateSecret()
            .MapSubscriptionDeliveries();
        app.MapRedeliver();
        app.MapFeed();
        return app;
    }

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
            // so a new prediction's tags reach the events after it), on the partitions of
            // notifications-prediction-events (PredictionEventsEndpoint), not on an endpoint of its own.
            x.AddConsumer<PredictionNoticesConsumer, PredictionNoticesConsumerDefinition>().ExcludeFromConfigureEndpoints();
            x.AddRequestClient<GetPredictionCatalog>();
        });
        builder.AddPartitionedEndpoint(PredictionEventsEndpoint.Queue, PredictionEventsEndpoint.Configure);
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
        builder.Services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section)
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero, $"{FeedOptions.Section}:HeartbeatInterval must be positive").ValidateOnStart();
        // Read while building: without the key nothing can be encrypted, so a missing one stops start-up with one clear line.
        var webhooks = builder.Configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>() ?? new WebhookOptions();
        builder.Services.AddSingleton(new WebhookSecrets(SecretKey(webhooks.SecretKey)));
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
                // A webhook's answer is its own: a redirect is not followed.
                var handler = NetworkGuard.Handler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks);
                handler.AllowAutoRedirect = false;
                return handler;
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

    private static byte[] SecretKey(string? configured)
    {
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
}
