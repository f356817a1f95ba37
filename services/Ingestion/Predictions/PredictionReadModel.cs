using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Predictions;

public static class PredictionReadModel
{
    /// <summary>Ingestion's own queue name: other services consume the same events into their own queues.</summary>
    public const string EndpointName = "ingestion-known-predictions";

    public static IHostApplicationBuilder AddPredictionReadModel(this IHostApplicationBuilder builder)
    {
        builder.AddPredictionCopies(new PredictionCopyMapping<KnownPrediction>(KnownPrediction.From, KnownPrediction.From, (known, reworded) =>
        {
            // The search terms stay: a reword changes the wording, not what the prediction is about.
            known.Version = reworded.Version;
            known.Title = reworded.Title;
            known.Claim = reworded.Claim;
        }));
        builder.AddServiceMessaging(x =>
        {
            x.AddConsumer<PredictionCopyConsumer<KnownPrediction>>().Endpoint(e => { e.Name = EndpointName; e.ConcurrentMessageLimit = 1; });
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
