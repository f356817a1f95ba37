using PolicyTracker.Web.Signing;

namespace PolicyTracker.Web.Api;

/// <summary>Sends the signed-in user's API key (kept in the encrypted auth cookie) with every call; anonymous users call the public routes without one.</summary>
public sealed class UserApiKeyHandler(IHttpContextAccessor accessor) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.Contains("X-Api-Key") && accessor.HttpContext?.User.ApiKey() is { } key)
        {
            request.Headers.Add("X-Api-Key", key);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
