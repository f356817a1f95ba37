using System.Security.Cryptography;
using System.Text;

namespace PolicyTracker.ServiceDefaults;

/// <summary>
/// Ids derived from names, so the same thing named twice (a redelivery, a restart, a second instance)
/// gets the same id and de-duplication needs no lookup table.
/// </summary>
public static class DeterministicIds
{
    /// <summary>RFC 9562 §5.5 name-based UUID, version 5: SHA-1 of the namespace and the UTF-8 name. The scheme for new ids.</summary>
    public static Guid V5(Guid @namespace, string name)
    {
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>
    /// The SHA-256 scheme that ids already stored were made with (feeds, feed streams, deliveries, the
    /// second message of an event): the first 16 bytes of SHA-256 of the name in .NET's little-endian
    /// Guid layout, with <paramref name="markVersion8"/> setting the version-8 and variant bits on bytes
    /// 6 and 8 as those ids always had. Frozen, because changing it would re-key stored data; new ids use V5.
    /// </summary>
    public static Guid Sha256(ReadOnlySpan<byte> name, bool markVersion8 = false)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(name, hash);
        if (markVersion8)
        {
            hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        }
        return new Guid(hash[..16]);
    }

    public static Guid Sha256(string name, bool markVersion8 = false) => Sha256(Encoding.UTF8.GetBytes(name), markVersion8);

    /// <summary>The SHA-256 scheme over two ids, each in .NET's little-endian byte layout.</summary>
    public static Guid Sha256(Guid first, Guid second, bool markVersion8 = false)
    {
        Span<byte> name = stackalloc byte[32];
        first.TryWriteBytes(name[..16]);
        second.TryWriteBytes(name[16..]);
        return Sha256(name, markVersion8);
    }
}
