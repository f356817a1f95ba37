using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace PolicyTracker.Tracker.Http;

/// <summary>RFC 4180 CSV for the timeline and history downloads, safe to open in a spreadsheet.</summary>
public static class Csv
{
    public const string MediaType = "text/csv";

    /// <summary>Whether the request's Accept names text/csv (with a non-zero quality).</summary>
    public static bool IsWanted(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0);

    /// <summary>A header row, then one row per item; every cell escaped.</summary>
    public static string Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var text = new StringBuilder();
        Row(text, header);
        foreach (var row in rows)
        {
            Row(text, row);
        }
        return text.ToString();
    }

    /// <summary>
    /// A cell beginning with =, +, - or @ (or a tab or carriage return) is what a spreadsheet runs as a
    /// formula; a leading apostrophe makes it text (OWASP CSV injection). Then RFC 4180 quoting.
    /// </summary>
    public static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset t => t.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            Enum e => JsonNamingPolicy.KebabCaseLower.ConvertName(e.ToString()),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }
        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;
    }

    private static void Row(StringBuilder text, IEnumerable<object?> cells)
    {
        text.AppendJoin(',', cells.Select(Cell));
        text.Append("\r\n");
    }
}
