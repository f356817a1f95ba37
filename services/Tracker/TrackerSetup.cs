using MassTransit;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Tracker.AddingNote;
using PolicyTracker.Tracker.Auditing;
using PolicyTracker.Tracker.LoggingDevelopment;
using PolicyTracker.Tracker.PassingHorizon;
using PolicyTracker.Tracker.Publishing;
using PolicyTracker.Tracker.ReadingPredictions;
using PolicyTracker.Tracker.RegisteringPrediction;
using PolicyTracker.Tracker.ResolvingPrediction;
using PolicyTracker.Tracker.RetractingDevelopment;
using PolicyTracker.Tracker.RevisingProbability;
using PolicyTracker.Tracker.RewordingPrediction;
using PolicyTracker.Tracker.Scoring;
using PolicyTracker.Tracker.Seeding;

namespace PolicyTracker.Tracker;

public static class TrackerSetup
{
    public static IHostApplicationBuilder AddTrackerMessaging(this IHostApplicationBuilder builder) =>
        builder.AddServiceMessaging(x =>
        {
            x.AddConsumer<LogDevelopmentConsumer, LogDevelopmentConsumerDefinition>();
            x.AddConsumer<GetPredictionCatalogConsumer>();
        });

    /// <summary>Seeding runs before the host serves requests; the horizon watcher runs for as long as it lives.</summary>
    public static IHostApplicationBuilder AddTrackerWorkers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<PredictionSeeder>();
        builder.Services.AddSingleton<EffectiveReplayCache>();
        builder.Services.AddSingleton<HorizonWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HorizonWatcher>());
        return builder;
    }

    public static WebApplication MapPredictionEndpoints(this WebApplication app)
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
            .MapAudit();
        app.MapScorecard();
        return app;
    }
}
