using System.Security.Cryptography;
using System.Text;

namespace PolicyTracker.Ingestion.Statements;

/// <summary>What makes two statements the same: the source URL, or else the same normalised text on the same UTC day.</summary>
public static class DedupKeys
{
    public static string For(StatementInput statement) =>
        statement.Source?.Url is { } url && NormaliseUrl(url) is { } normalised
            ? "url:" + normalised
            : $"text:{Hash(NormaliseText(statement.Text))}:{statement.PublishedAt.UtcDateTime:yyyy-MM-dd}";

    public static string? NormaliseUrl(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            return null;
        }
        var path = uri.AbsolutePath.Length > 1 ? uri.AbsolutePath.TrimEnd('/') : "";
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port;
        // http and https copies of one article are the same statement; the fragment never names a different document.
        return $"{uri.Host.ToLowerInvariant()}{port}{path}{uri.Query}";
    }

    public static string NormaliseText(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c))
            {
                if (space && builder.Length > 0)
                {
                    builder.Append(' ');
                }
                builder.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else
            {
                space = true;
            }
        }
        return builder.ToString();
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
