using System.Security.Cryptography;
using System.Text;

namespace PolicyTracker.Notifications.Subscriptions;

/// <summary>
/// Generates webhook secrets and keeps them encrypted at rest (AES-GCM with Webhooks:SecretKey), so a
/// reader of the database alone cannot sign webhooks.
/// </summary>
public sealed class WebhookSecrets(byte[] key)
{
    public const string Prefix = "whsec_";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Encrypt(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize));
        return Convert.ToBase64String(output);
    }

    public string Decrypt(string cipher)
    {
        var input = Convert.FromBase64String(cipher);
        var plain = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The signing key: the base64-decoded part after "whsec_".</summary>
    public static byte[] KeyOf(string secret) => Convert.FromBase64String(secret[Prefix.Length..]);
}
