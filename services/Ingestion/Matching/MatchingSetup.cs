namespace PolicyTracker.Ingestion.Matching;

public static class MatchingSetup
{
    public static IHostApplicationBuilder AddMatching(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MatchingOptions>().Bind(builder.Configuration.GetSection("Matching"));
        // The process-wide encoder: Ingestion is the one process that holds it (~330 MB).
        builder.Services.AddSingleton(_ => SentenceEmbeddings.Shared);
        builder.Services.AddSingleton<FeedbackIndex>();
        builder.Services.AddSingleton<PredictionMatcher>();
        builder.Services.AddSingleton<MatchingSignal>();
        builder.Services.AddHostedService<MatchingWorker>();
        return builder;
    }
}
