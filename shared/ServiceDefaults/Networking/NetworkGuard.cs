using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace PolicyTracker.ServiceDefaults.Networking;

/// <summary>
/// Keeps the URLs users give us (webhooks, feeds) from reaching internal networks (SSRF): checked
/// at registration and again at connect time, because DNS can change between the two.
/// </summary>
public static class NetworkGuard
{
    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0                                   // this network / unspecified
                || b[0] == 10                                  // private
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)   // carrier-grade NAT
                || b[0] == 127
                || (b[0] == 169 && b[1] == 254)                // link-local
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)    // private
                || (b[0] == 192 && b[1] == 168)                // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)     // IETF protocol assignments
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)) // benchmarking
                || b[0] >= 224;                                // multicast, reserved, broadcast
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
            {
                return true;
            }
            var b = address.GetAddressBytes();
            // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) spellings carry an IPv4 address.
            if (b.Take(12).All(x => x == 0) || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b))
            {
                return IsForbidden(new IPAddress(b[12..]));
            }
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc                       // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x02 && IsForbidden(new IPAddress(b[2..6]))); // 6to4 of an internal IPv4
        }
        return true;
    }

    /// <summary>Null when the URL may be used; otherwise why not.</summary>
    public static async Task<string?> CheckAsync(Uri url, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            return "The URL must be http or https.";
        }
        if (allowPrivateNetworks)
        {
            return null;
        }
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return "The URL's host does not resolve.";
        }
        if (addresses.Length == 0)
        {
            return "The URL's host does not resolve.";
        }
        return addresses.Any(IsForbidden)
            ? "The URL's host resolves to a loopback, private, link-local or otherwise internal address."
            : null;
    }

    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var literal = host.Trim('[', ']');
        return IPAddress.TryParse(literal, out var address)
            ? [address]
            : await Dns.GetHostAddressesAsync(literal, cancellationToken);
    }

    /// <summary>
    /// The primary handler for every client that calls user-given URLs (feeds, webhooks): each connection is
    /// checked again at connect time (<see cref="ConnectAsync"/>), so a redirect or a changed DNS answer does
    /// not reach an internal address either; no cookies, no proxy, connections renewed for fresh DNS.
    /// </summary>
    public static SocketsHttpHandler Handler(bool allowPrivateNetworks) => new()
    {
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivateNetworks, cancellationToken),
    };

    /// <summary>Connects only to addresses that are not internal, whatever DNS answers now.</summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(endPoint.Host, cancellationToken);
        var allowed = allowPrivateNetworks ? addresses : addresses.Where(a => !IsForbidden(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException($"Refused to connect to {endPoint.Host}: it resolves only to internal addresses.");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The shape every user-given outbound URL must have: absolute http(s) with a host, no
    /// credentials, no control characters or spaces anywhere (a CR/LF would otherwise be stored
    /// and sent as-is), at most 2048 characters. Null and the URL when it may be used; otherwise why not.
    /// </summary>
    public static string? CheckShape(string? raw, out Uri? url)
    {
        url = null;
        var text = raw?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return "The URL is required.";
        }
        if (text.Length > 2048)
        {
            return "The URL may be at most 2048 characters long.";
        }
        if (text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return "The URL must not contain control characters or spaces.";
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(parsed.Host))
        {
            return "The URL must be an absolute http or https URL.";
        }
        if (parsed.UserInfo.Length > 0)
        {
            return "The URL must not carry credentials.";
        }
        url = parsed;
        return null;
    }
}
