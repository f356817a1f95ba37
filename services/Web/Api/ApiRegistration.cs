using Microsoft.Extensions.Options;

namespace PolicyTracker.Web.Api;

/// <summary>The three services' addresses, bound from Api (Api:Tracker, Api:Ingestion, Api:Notifications).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    public string? Tracker { get; set; }
    public string? Ingestion { get; set; }
    public string? Notifications { get; set; }

    public Uri Address(string service) => new(service switch
    {
        nameof(Tracker) => Tracker!,
        nameof(Ingestion) => Ingestion!,
        _ => Notifications!,
    });
}

public static class ApiRegistration
{
    /// <summary>One typed client per service, addressed from <see cref="ApiOptions"/>; every address is checked at start.</summary>
    public static IHostApplicationBuilder AddPolicyTrackerApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => IsAddress(o.Tracker) && IsAddress(o.Ingestion) && IsAddress(o.Notifications),
                "Api:Tracker, Api:Ingestion and Api:Notifications must each be the service's absolute http(s) address.")
            .ValidateOnStart();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddTransient<UserApiKeyHandler>();
        Add<TrackerApi>(builder, nameof(ApiOptions.Tracker));
        Add<IngestionApi>(builder, nameof(ApiOptions.Ingestion));
        Add<NotificationsApi>(builder, nameof(ApiOptions.Notifications));
        // The live alert relay holds its connection open for as long as the page is.
        builder.Services.AddHttpClient(Live.LiveAlerts.StreamClient, (services, c) =>
        {
            c.BaseAddress = services.GetRequiredService<IOptions<ApiOptions>>().Value.Address(nameof(ApiOptions.Notifications));
            c.Timeout = Timeout.InfiniteTimeSpan;
        });
        return builder;
    }

    private static void Add<TClient>(IHostApplicationBuilder builder, string service) where TClient : class =>
        builder.Services.AddHttpClient<TClient>((services, c) =>
            {
                c.BaseAddress = services.GetRequiredService<IOptions<ApiOptions>>().Value.Address(service);
                c.Timeout = TimeSpan.FromSeconds(15);
            })
            .AddHttpMessageHandler<UserApiKeyHandler>();

    private static bool IsAddress(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
