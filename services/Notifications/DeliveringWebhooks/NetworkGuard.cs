using System.Net;

namespace PolicyTracker.Notifications.DeliveringWebhooks;

/// <summary>The shared SSRF guard (ServiceDefaults), under the name this service's code uses.</summary>
public static class NetworkGuard
{
    public static bool IsForbidden(IPAddress address) => ServiceDefaults.Networking.NetworkGuard.IsForbidden(address);

    public static Task<string?> CheckAsync(Uri url, bool allowPrivateNetworks, CancellationToken cancellationToken) =>
        ServiceDefaults.Networking.NetworkGuard.CheckAsync(url, allowPrivateNetworks, cancellationToken);

    public static Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        ServiceDefaults.Networking.NetworkGuard.ResolveAsync(host, cancellationToken);

    public static ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivateNetworks, CancellationToken cancellationToken) =>
        ServiceDefaults.Networking.NetworkGuard.ConnectAsync(endPoint, allowPrivateNetworks, cancellationToken);
}
