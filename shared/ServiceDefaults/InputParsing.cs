using System.Globalization;

namespace PolicyTracker.ServiceDefaults;

/// <summary>How every service reads the times and named values in its requests, so one request means the same everywhere.</summary>
public static class InputParsing
{
    /// <summary>A development's rationale, wherever it is written (Ingestion's links, the Tracker's routes).</summary>
    public const int MaxRationaleLength = 4_000;

    /// <summary>
    /// ISO 8601: a bare date (yyyy-MM-dd) is midnight UTC, a time with an offset keeps its instant, a
    /// time without one is read as UTC; the result is in UTC. Anything else ("yesterday", 08/05/2018) is refused.
    /// </summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time)
    {
        time = default;
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            time = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }
        return value.Length >= 16 && value[4] == '-' && value[10] is 'T' or 't' or ' ' &&
               DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }

    /// <summary>A named value, case-insensitive and with or without hyphens ("supports", "Supports"); numbers are not names.</summary>
    public static bool TryParseEnum<T>(string? text, out T value) where T : struct, Enum
    {
        value = default;
        var name = text?.Trim();
        return !string.IsNullOrEmpty(name) && !int.TryParse(name, out _)
               && Enum.TryParse(name.Replace("-", ""), ignoreCase: true, out value) && Enum.IsDefined(value);
    }
}
