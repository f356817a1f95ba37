using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PolicyTracker.EndToEnd.Tests.Hardening;

/// <summary>
/// One running system shared by the hardening tests (starting four processes per class would
/// cost more than the tests). The feed's heartbeat is one second so a test can see several.
/// </summary>
public sealed class HardenedSystem : RunningSystem
{
    protected override IReadOnlyDictionary<string, string> ExtraEnvironment { get; } = new Dictionary<string, string>
    {
        ["Feed__HeartbeatInterval"] = "00:00:01",
    };

    /// <summary>
    /// A client that sends header values byte for byte (UTF-8), as an attacker's would, instead of
    /// refusing non-ASCII ones as HttpClient does by default.
    /// </summary>
    public HttpClient RawClient() => new(new SocketsHttpHandler
    {
        RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    {
        BaseAddress = Gateway,
        Timeout = TimeSpan.FromSeconds(60),
    };
}

[CollectionDefinition(Name)]
public sealed class HardenedSystemCollection : ICollectionFixture<HardenedSystem>
{
    public const string Name = "hardened system";
}

public static class ProblemAssertions
{
    /// <summary>The contract's error shape: problem+json with the status and a traceId, whatever was asked for.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var problem = JsonDocument.Parse(body).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        problem.GetProperty("traceId").GetString().ShouldNotBeNullOrEmpty();
        return problem;
    }

    public static HttpRequestMessage WithHeader(this HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content ??= new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    public static HttpRequestMessage Json(this HttpRequestMessage request, string json, string contentType = "application/json")
    {
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return request;
    }

    public static MediaTypeHeaderValue? MediaType(this HttpResponseMessage response) => response.Content.Headers.ContentType;
}
