using MassTransit;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Tracker.AddingNote;
using PolicyTracker.Tracker.Auditing;
using PolicyTracker.Tracker.Exporting;
using PolicyTracker.Tracker.LoggingDevelopment;
using PolicyTracker.Tracker.PassingHorizon;
using PolicyTracker.Tracker.Publishing;
using PolicyTracker.Tracker.ReadingPredictions;
using PolicyTracker.Tracker.RegisteringPrediction;
using PolicyTracker.Tracker.ResolvingPrediction;
using PolicyTracker.Tracker.RetractingDevelopment;
using PolicyTracker.Tracker.ReviewingClaim;
using PolicyTracker.Tracker.RevisingProbability;
using PolicyTracker.Tracker.RewordingPrediction;
using PolicyTracker.Tracker.Scoring;
using PolicyTracker.Tracker.Seeding;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker;

public static class TrackerSetup
{
    /// <summary>Everything the Tracker registers: the prediction store, its messaging and its workers.</summary>
    public static IHostApplicationBuilder AddTracker(this IHostApplicationBuilder builder) =>
        builder.AddPredictionStore().AddTrackerMessaging().AddTrackerWorkers();

    public static WebApplication MapTracker(this WebApplication app) => app.MapPredictionEndpoints();

    private static IHostApplicationBuilder AddTrackerMessaging(this IHostApplicationBuilder builder) =>
        builder.AddServiceMessaging(x =>
            {
                // Consumed on the partitions of log-development (below), not on an endpoint of its own.
                x.AddConsumer<LogDevelopmentConsumer, LogDevelopmentConsumerDefinition>().ExcludeFromConfigureEndpoints();
                x.AddConsumer<GetPredictionCatalogConsumer>();
            })
            .AddPartitionedEndpoint(PredictionPartitions.LogDevelopment, (context, endpoint) => endpoint.ConfigureConsumer<LogDevelopmentConsumer>(context));

    /// <summary>Seeding runs before the host serves requests; the horizon watcher runs for as long as it lives.</summary>
    private static IHostApplicationBuilder AddTrackerWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HorizonCheckOptions>().BindConfiguration(HorizonCheckOptions.Section)
            .Validate(o => o.Interval > TimeSpan.Zero, $"{HorizonCheckOptions.Section}:Interval must be positive").ValidateOnStart();
        builder.Services.AddOptions<ClaimReviewOptions>().BindConfiguration(ClaimReviewOptions.Section)
            .Validate(o => string.IsNullOrEmpty(o.PublicBaseUrl) || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _),
                $"{ClaimReviewOptions.Section}:PublicBaseUrl must be an absolute URL").ValidateOnStart();
        builder.Services.AddHostedService<PredictionSeeder>();
        builder.Services.AddSingleton<EffectiveReplayCache>();
        builder.Services.AddSingleton<HorizonWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HorizonWatcher>());
        return builder;
    }

    private static WebApplication MapPredictionEndpoints(this WebApplication app)
    {
        app.MapGroup("/api/predictions")
            .WithTags("Predictions")
            .MapReadPredictions()
            .MapRegisterPrediction()
            .MapRewordPrediction()
            .MapLogDevelopment()
            .MapRetractDevelopment()
            .MapReviseProbability()
            .MapResolvePrediction()
            .MapAddNote()
            .MapAudit()
            .MapClaimReview();
        app.MapScorecard();
        app.MapExport();
        return app;
    }
}
