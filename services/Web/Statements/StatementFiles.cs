using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace PolicyTracker.Web.Statements;

/// <summary>
/// Turns an uploaded file into the body of POST /api/statements/batch: JSON and NDJSON go as they
/// are (the API validates each item); CSV rows become statement objects by column name.
/// </summary>
public static class StatementFiles
{
    public static readonly string[] CsvColumns = ["text", "publishedAt", "speaker", "sourceUrl", "sourceTitle", "publisher", "predictionId", "stance", "strength", "rationale"];

    public static async Task<(HttpContent? Content, string? Error)> ToBatchAsync(IFormFile file, CancellationToken ct)
    {
        var name = file.FileName.ToLowerInvariant();
        await using var stream = file.OpenReadStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        if (name.EndsWith(".ndjson") || name.EndsWith(".jsonl"))
        {
            return (new StringContent(text, Encoding.UTF8, new MediaTypeHeaderValue("application/x-ndjson")), null);
        }
        if (name.EndsWith(".json"))
        {
            return (new StringContent(text, Encoding.UTF8, "application/json"), null);
        }
        if (name.EndsWith(".csv"))
        {
            try
            {
                return (new StringContent(JsonSerializer.Serialize(FromCsv(text)), Encoding.UTF8, "application/json"), null);
            }
            catch (CsvHelperException e)
            {
                return (null, $"The CSV file could not be read: {e.Message.Split('\n')[0]}");
            }
        }
        return (null, "Upload a .json, .ndjson or .csv file.");
    }

    private static List<Dictionary<string, object?>> FromCsv(string text)
    {
        using var csv = new CsvReader(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = a => a.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
        });
        var items = new List<Dictionary<string, object?>>();
        csv.Read();
        csv.ReadHeader();
        while (csv.Read())
        {
            string? Cell(string column) => csv.TryGetField<string>(column.ToLowerInvariant(), out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
            var item = new Dictionary<string, object?> { ["text"] = Cell("text") ?? "", ["publishedAt"] = Cell("publishedAt") };
            if (Cell("speaker") is { } speaker)
            {
                item["speaker"] = speaker;
            }
            if (Cell("sourceUrl") is not null || Cell("sourceTitle") is not null || Cell("publisher") is not null)
            {
                item["source"] = new { url = Cell("sourceUrl"), title = Cell("sourceTitle"), publisher = Cell("publisher") };
            }
            if (Cell("predictionId") is { } prediction)
            {
                item["links"] = new[] { new { predictionId = prediction, stance = Cell("stance") ?? "neutral", strength = Cell("strength") ?? "moderate", rationale = Cell("rationale") } };
            }
            items.Add(item);
        }
        return items;
    }
}
