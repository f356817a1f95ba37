namespace PolicyTracker.Web.Api;

public static class ApiRegistration
{
    /// <summary>One typed client per service, addressed from configuration (Api:Tracker, Api:Ingestion, Api:Notifications).</summary>
    public static IHostApplicationBuilder AddPolicyTrackerApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddTransient<UserApiKeyHandler>();
        Add<TrackerApi>(builder, "Tracker");
        Add<IngestionApi>(builder, "Ingestion");
        Add<NotificationsApi>(builder, "Notifications");
        // The live alert relay holds its connection open for as long as the page is.
        builder.Services.AddHttpClient(Live.LiveAlerts.StreamClient, c =>
        {
            c.BaseAddress = new Uri(builder.Configuration["Api:Notifications"]!);
            c.Timeout = Timeout.InfiniteTimeSpan;
        });
        return builder;
    }

    private static void Add<TClient>(IHostApplicationBuilder builder, string service) where TClient : class
    {
        var address = builder.Configuration[$"Api:{service}"]
            ?? throw new InvalidOperationException($"Api:{service} (the {service} service's address) is not configured.");
        builder.Services.AddHttpClient<TClient>(c =>
            {
                c.BaseAddress = new Uri(address);
                c.Timeout = TimeSpan.FromSeconds(15);
            })
            .AddHttpMessageHandler<UserApiKeyHandler>();
    }
}
