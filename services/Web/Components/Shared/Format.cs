using System.Globalization;

namespace PolicyTracker.Web.Components.Shared;

/// <summary>How numbers, times and statuses read on every page (invariant culture: the API's own format).</summary>
public static class Format
{
    public static string Percent(double probability) => (probability * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static string Number(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Day(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string When(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Status always carries a word and a symbol, never colour alone.</summary>
    public static string StatusSymbol(string status) => status switch
    {
        "likely" => "▲",
        "unlikely" => "▼",
        "uncertain" => "◆",
        "confirmed" => "✓",
        "refuted" => "✗",
        "overdue" => "⌛",
        _ => "•",
    };

    public static string StanceSymbol(string stance) => stance switch
    {
        "supports" => "+",
        "undermines" => "−",
        _ => "○",
    };

    public static string Kebab(string? value) => value ?? "";
}
