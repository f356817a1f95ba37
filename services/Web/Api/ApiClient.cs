using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolicyTracker.Web.Api;

/// <summary>
/// Calls one service's public HTTP API with the signed-in user's key (added by <see cref="UserApiKeyHandler"/>),
/// and turns every outcome, including a service that is down, into an <see cref="ApiResult{T}"/>.
/// </summary>
public abstract class ApiClient(HttpClient http, string service)
{
    public HttpClient Http => http;

    public Task<ApiResult<T>> GetAsync<T>(string path, CancellationToken ct = default) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public Task<ApiResult<T>> PostAsync<T>(string path, object body, string? ifMatch = null, CancellationToken ct = default) =>
        SendAsync<T>(WithBody(HttpMethod.Post, path, body, ifMatch), ct);

    public Task<ApiResult<T>> PutAsync<T>(string path, object body, string? ifMatch = null, CancellationToken ct = default) =>
        SendAsync<T>(WithBody(HttpMethod.Put, path, body, ifMatch), ct);

    public Task<ApiResult<JsonElement>> DeleteAsync(string path, CancellationToken ct = default) =>
        SendAsync<JsonElement>(new HttpRequestMessage(HttpMethod.Delete, path), ct);

    public async Task<ApiResult<T>> SendAsync<T>(HttpRequestMessage request, CancellationToken ct = default)
    {
        try
        {
            using var response = await http.SendAsync(request, ct);
            var etag = response.Headers.ETag?.Tag;
            if (response.IsSuccessStatusCode)
            {
                var value = response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0
                    ? default
                    : await response.Content.ReadFromJsonAsync<T>(ApiJson.Options, ct);
                return new ApiResult<T>(value, response.StatusCode, null, null, etag);
            }
            Problem? problem = null;
            try
            {
                problem = await response.Content.ReadFromJsonAsync<Problem>(ApiJson.Options, ct);
            }
            catch (JsonException)
            {
                // A non-JSON error body (a proxy's page, say) still becomes a readable status message.
            }
            return new ApiResult<T>(default, response.StatusCode, problem, null, etag);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new ApiResult<T>(default, HttpStatusCode.ServiceUnavailable, null, service);
        }
    }

    private static HttpRequestMessage WithBody(HttpMethod method, string path, object body, string? ifMatch)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body, options: ApiJson.Options) };
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch.StartsWith('"') ? ifMatch : $"\"{ifMatch}\""));
        }
        return request;
    }
}

public sealed class TrackerApi(HttpClient http) : ApiClient(http, "Tracker");

public sealed class IngestionApi(HttpClient http) : ApiClient(http, "Ingestion");

public sealed class NotificationsApi(HttpClient http) : ApiClient(http, "Notifications");
