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
        builder.Services.AddOptions<PredictionCatalogOptions>().Bind(builder.Configuration.GetSection("Predictions:Catalog"));
        builder.Services.AddHostedService<PredictionCatalogLoader>();
        builder.AddServiceMessaging(x =>
        {
            x.AddConsumer<PredictionRegisteredConsumer>().Endpoint(e => { e.Name = EndpointName; e.ConcurrentMessageLimit = 1; });
            x.AddConsumer<PredictionRewordedConsumer>().Endpoint(e => { e.Name = EndpointName; e.ConcurrentMessageLimit = 1; });
            // Developments the Tracker logged become the matcher's linked examples (relevance feedback).
            x.AddConsumer<DevelopmentLoggedConsumer>().Endpoint(e => { e.Name = EndpointName; e.ConcurrentMessageLimit = 1; });
            x.AddRequestClient<GetPredictionCatalog>();
        });
        return builder;
    }
}
