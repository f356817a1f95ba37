using System.Net;
using PolicyTracker.Web.Api;

namespace PolicyTracker.Web.Signing;

public enum KeyVerdict { Valid, Unknown, Unavailable }

public sealed record KeyCheckResult(KeyVerdict Verdict, string? Role, string? Unavailable = null);

/// <summary>
/// Checks a typed key against the API itself: an unknown key gets 401 everywhere, and the role is
/// the set of role-only routes that do not answer 403 (the API has no "who am I" route, and the
/// dashboard must not keep its own copy of the keys).
/// </summary>
public sealed class KeyCheck(TrackerApi tracker, IngestionApi ingestion, NotificationsApi notifications)
{
    public async Task<KeyCheckResult> CheckAsync(string key, CancellationToken ct)
    {
        // A slug that names no prediction: an auditor gets 404 (allowed, nothing there), others 403.
        var auditor = Probe(tracker, "/api/predictions/signin-probe/history", key, ct);
        var analyst = Probe(ingestion, "/api/triage?limit=1", key, ct);
        var subscriber = Probe(notifications, "/api/subscriptions", key, ct);
        var results = await Task.WhenAll(auditor, analyst, subscriber);
        if (results.FirstOrDefault(r => r.Unavailable is not null) is { } down)
        {
            return new KeyCheckResult(KeyVerdict.Unavailable, null, down.Unavailable);
        }
        if (results.Any(r => r.Status == HttpStatusCode.Unauthorized))
        {
            return new KeyCheckResult(KeyVerdict.Unknown, null);
        }
        bool Allowed(ApiResult<System.Text.Json.JsonElement> r) => r.Status is not HttpStatusCode.Forbidden;
        var (isAuditor, isAnalyst, isSubscriber) = (Allowed(results[0]), Allowed(results[1]), Allowed(results[2]));
        var role = (isAuditor, isAnalyst, isSubscriber) switch
        {
            (true, true, true) => UserClaims.Admin,
            (true, _, _) => UserClaims.Auditor,
            (_, true, _) => UserClaims.Analyst,
            (_, _, true) => UserClaims.Subscriber,
            _ => null,
        };
        return role is null ? new KeyCheckResult(KeyVerdict.Unknown, null) : new KeyCheckResult(KeyVerdict.Valid, role);
    }

    private static Task<ApiResult<System.Text.Json.JsonElement>> Probe(ApiClient client, string path, string key, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        return client.SendAsync<System.Text.Json.JsonElement>(request, ct);
    }
}
