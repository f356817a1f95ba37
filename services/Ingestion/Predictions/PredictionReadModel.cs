using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

public static class PredictionReadModel
{
    /// <summary>Ingestion's own queue name: other services consume the same events into their own queues.</summary>
    public const string EndpointName = "ingestion-known-predictions";

    public static IHostApplicationBuilder AddPredictionReadModel(this IHostApplicationBuilder builder)
    {
        // Matchable from the first minute: each copy's embedding profile comes from its wording and
        // search terms alone, and is computed again on every reword.
        builder.AddPredictionCopies(services =>
        {
            var embeddings = services.GetRequiredService<SentenceEmbeddings>();
            return new PredictionCopyMapping<KnownPrediction>(
                entry => KnownPrediction.From(entry).WithProfile(embeddings),
                registered => KnownPrediction.From(registered).WithProfile(embeddings),
                (known, reworded) =>
                {
                    // The search terms stay: a reword changes the wording, not what the prediction is about.
                    known.Version = reworded.Version;
                    known.Title = reworded.Title;
                    known.Claim = reworded.Claim;
                    known.ResolutionCriteria = reworded.ResolutionCriteria;
                    known.WithProfile(embeddings);
                });
        });
        builder.Services.AddScoped<KnownPredictions>();
        builder.AddServiceMessaging(x =>
        {
            x.AddConsumer<PredictionCopyConsumer<KnownPrediction>>().Endpoint(e => { e.Name = EndpointName; e.ConcurrentMessageLimit = 1; });
            // Developments the Tracker logged become the matcher's linked examples (relevance feedback).
            x.AddConsumer<DevelopmentLoggedConsumer>().Endpoint(e => { e.Name = EndpointName; e.ConcurrentMessageLimit = 1; });
            x.AddRequestClient<GetPredictionCatalog>();
            x.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                if (name == EndpointName)
                {
                    endpoint.UseOutageGate(context);
                }
            });
        });
        return builder;
    }
}
