namespace PolicyTracker.Ingestion.Feeds;

public static class FeedSetup
{
    public static IHostApplicationBuilder AddFeeds(this IHostApplicationBuilder builder) => builder;

    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app) => app;
}
