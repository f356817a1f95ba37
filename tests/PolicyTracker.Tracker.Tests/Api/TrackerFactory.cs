using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PolicyTracker.ServiceDefaults;
using PolicyTracker.Testing;

namespace PolicyTracker.Tracker.Tests.Api;

/// <summary>A clock the tests move: the horizon check reads it instead of the machine's time.</summary>
public sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;
    public void Set(DateTimeOffset now) => _now = now;
    public override DateTimeOffset GetUtcNow() => _now;
}

/// <summary>The Tracker on the test class's own database and vhost, with its clock in mid-2017.</summary>
public sealed class TrackerFactory(IsolatedInfrastructure infrastructure, ManualClock clock)
    : ServiceFactory<Program>(infrastructure, new Dictionary<string, string?>
    {
        ["Tracker:HorizonCheck:Interval"] = "00:00:00.200",
        ["Tracker:HorizonCheck:Enabled"] = "true",
    })
{
    public static readonly DateTimeOffset Mid2017 = new(2017, 6, 1, 0, 0, 0, TimeSpan.Zero);
    public ManualClock Clock => clock;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
    }
}

/// <summary>One isolated database and vhost per test class, one running Tracker.</summary>
public sealed class TrackerFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infrastructure { get; private set; } = null!;
    public TrackerFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Infrastructure = await IsolatedInfrastructure.CreateAsync("tracker");
        Factory = new TrackerFactory(Infrastructure, new ManualClock(TrackerFactory.Mid2017));
        _ = Factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Infrastructure.DisposeAsync();
    }
}

public static class Json
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ServiceDefaultsExtensions.ConfigureJson(options);
        return options;
    }

    public static async Task<JsonElement> Body(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Options);

    public static Task<HttpResponseMessage> Post(this HttpClient client, string url, object body, string? ifMatch = null) =>
        Send(client, HttpMethod.Post, url, body, ifMatch);

    public static Task<HttpResponseMessage> Put(this HttpClient client, string url, object body, string? ifMatch = null) =>
        Send(client, HttpMethod.Put, url, body, ifMatch);

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, object body, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, url) { Content = JsonContent.Create(body, options: Options) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return client.SendAsync(request);
    }

    /// <summary>Registers a prediction of the test's own, so tests never share a stream.</summary>
    public static async Task<string> RegisterAsync(HttpClient analyst, double prior = 0.75, string? horizon = "2021-01-20")
    {
        var id = "test-" + Guid.NewGuid().ToString("N")[..12];
        var response = await analyst.Post("/api/predictions", new
        {
            id,
            title = "A test prediction",
            claim = "Something happens.",
            resolutionCriteria = "It happened.",
            horizon,
            prior,
            tags = new[] { "test" },
            searchTerms = new[] { "something" },
            source = new { title = "Rapprochement on Russia's Terms", author = "Jeffrey Mankoff", quote = "A quote." },
        });
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return id;
    }

    public static object Development(string stance = "supports", string strength = "moderate", string occurredAt = "2018-05-08", string summary = "Something moved") =>
        new { summary, occurredAt, stance, strength };
}
