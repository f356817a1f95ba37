using System.Globalization;
using System.Text.Json;

namespace PolicyTracker.ServiceDefaults;

/// <summary>
/// How every service checks the fields of its request records (bound by System.Text.Json as strings where
/// the contract is looser than the type): one time parser, one enum parser, one limit per kind of field,
/// and one way to collect field errors, so one request means the same everywhere.
/// </summary>
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

    /// <summary>"must be one of supports, undermines, neutral": the names as the contract spells them.</summary>
    public static string OneOf<T>() where T : struct, Enum => OneOf(typeof(T));

    public static string OneOf(Type enumType) =>
        $"must be one of {string.Join(", ", Enum.GetNames(enumType).Select(JsonNamingPolicy.KebabCaseLower.ConvertName))}";

    /// <summary>Adds <paramref name="message"/> to <paramref name="field"/>'s errors unless <paramref name="ok"/>.</summary>
    public static void Require(Dictionary<string, string[]> errors, string field, bool ok, string message)
    {
        if (!ok)
        {
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        }
    }
}
