using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using PolicyTracker.ServiceDefaults.Persistence;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Publishing;

namespace PolicyTracker.Tracker.Storage;

public static class PredictionStore
{
    public const string Schema = "tracker";

    public static IHostApplicationBuilder AddPredictionStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceMarten(Schema, options =>
            {
                // Slugs (sanctions-relief) are the stream keys everywhere: URLs, messages, subscriptions.
                options.Events.StreamIdentity = StreamIdentity.AsString;
                options.Events.AddEventTypes([
                    typeof(PredictionRegistered), typeof(PredictionReworded), typeof(DevelopmentLogged),
                    typeof(DevelopmentRetracted), typeof(ProbabilityRevised), typeof(StatusChanged),
                    typeof(PredictionResolved), typeof(HorizonPassed), typeof(NoteAdded)]);

                // Inline: the current state commits with its events, so a read right after a write sees it.
                options.Projections.Snapshot<Prediction>(SnapshotLifecycle.Inline);
                options.Schema.For<Prediction>().Metadata(m => m.LastModified.MapTo(p => p.UpdatedAt));
                options.Schema.For<DevelopmentRecord>().Duplicate(d => d.PredictionId).Duplicate(d => d.LoggedVersion);
                options.Schema.For<EventHash>().Duplicate(h => h.PredictionId);
                options.Schema.For<PredictionCheckpoint>();
                // Inline: hash links, checkpoints and development records commit with the events they describe.
                options.Projections.Add(new PredictionLedgerProjection(), ProjectionLifecycle.Inline);
                options.Storage.Add(new AsOfIndex(options));
                options.Events.IgnoreIndex(AsOfIndex.Name);
            })
            .AddAsyncDaemon(builder.Configuration.DaemonMode())
            .AddSubscriptionWithServices<IntegrationEventPublisher>(ServiceLifetime.Singleton, o =>
            {
                o.Options.BatchSize = 500;
            });
        return builder;
    }
}
