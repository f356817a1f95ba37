using JasperFx.Events.Daemon;
using Marten;
using PolicyTracker.Ingestion.Forwarding;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.ServiceDefaults.Persistence;

namespace PolicyTracker.Ingestion.Statements;

public static class StatementStore
{
    public const string Schema = "ingestion";

    public static IHostApplicationBuilder AddStatementStore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceMarten(Schema, options =>
            {
                options.Events.AddEventType<StatementLinked>();
                // Two analysts deciding on one statement at once: the second save fails instead of overwriting.
                options.Schema.For<Statement>()
                    .UseOptimisticConcurrency(true)
                    .Duplicate(s => s.PublishedAt)
                    .Index(s => s.State)
                    .FullTextIndex("english", s => s.Text);
                options.Schema.For<StatementKey>();
                options.Schema.For<KnownPrediction>();
                options.Schema.For<FeedbackExample>().Duplicate(e => e.RecordedAt);
                options.Schema.For<Feeds.Feed>().Duplicate(f => f.NextPollAt);
            })
            .AddAsyncDaemon(builder.Configuration.DaemonMode())
            // The relay to the Tracker; batched pages keep a 100k import flowing.
            .AddSubscriptionWithServices<DevelopmentForwarder>(ServiceLifetime.Singleton, o =>
            {
                o.Options.BatchSize = 1000;
            });
        return builder;
    }
}
