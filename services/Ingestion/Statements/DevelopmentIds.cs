using System.Security.Cryptography;
using System.Text;

namespace PolicyTracker.Ingestion.Statements;

/// <summary>
/// A development's id is a name-based (RFC 9562 version 5) UUID of statement and prediction, so
/// linking or forwarding the same pair again names the same development and the Tracker appends nothing.
/// </summary>
public static class DevelopmentIds
{
    private static readonly Guid Namespace = new("5b0f3c1e-7a51-4c1a-9d7e-6f1f2a0d9e41");

    public static Guid For(Guid statementId, string predictionId)
    {
        var name = Encoding.UTF8.GetBytes($"{statementId:D}/{predictionId}");
        var input = Namespace.ToByteArray(bigEndian: true).Concat(name).ToArray();
        var hash = SHA1.HashData(input);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
