using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Feeds;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.ReadingStatements;
using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.SubmittingStatements;
using PolicyTracker.Ingestion.Triage;

namespace PolicyTracker.Ingestion;

public static class IngestionSetup
{
    /// <summary>Everything Ingestion registers: the statement store, the prediction read model, the feed poller.</summary>
    public static IHostApplicationBuilder AddIngestion(this IHostApplicationBuilder builder) =>
        builder.AddStatementStore().AddMatching().AddPredictionReadModel().AddFeeds();

    /// <summary>Each feature folder maps its own routes.</summary>
    public static WebApplication MapIngestion(this WebApplication app)
    {
        app.MapSubmitStatementEndpoints();
        app.MapStatementViewEndpoints();
        app.MapTriageEndpoints();
        app.MapFeedEndpoints();
        return app;
    }
}
