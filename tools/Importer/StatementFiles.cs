using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;

namespace PolicyTracker.Importer;

/// <summary>
/// Reads statements from JSON, NDJSON or CSV into the API's JSON shape. Validation stays with the
/// server, so a bad row is reported exactly as the API would report it.
/// </summary>
public static class StatementFiles
{
    public static IEnumerable<JsonNode?> Read(FileInfo file) =>
        file.Extension.ToLowerInvariant() switch
        {
            ".ndjson" or ".jsonl" => ReadLines(file),
            ".csv" => ReadCsv(file),
            _ => ReadArray(file),
        };

    private static IEnumerable<JsonNode?> ReadArray(FileInfo file)
    {
        using var stream = file.OpenRead();
        var array = JsonNode.Parse(stream) as JsonArray ?? throw new InvalidDataException($"{file.Name} is not a JSON array");
        foreach (var item in array)
        {
            yield return item?.DeepClone();
        }
    }

    private static IEnumerable<JsonNode?> ReadLines(FileInfo file)
    {
        foreach (var line in File.ReadLines(file.FullName))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                // Sent as a string so the server rejects it against its position, like every other bad item.
                node = JsonValue.Create(line);
            }
            yield return node;
        }
    }

    /// <summary>Columns: text, publishedAt, speaker, sourceUrl, sourceTitle, sourcePublisher, predictionId, stance, strength, rationale.</summary>
    private static IEnumerable<JsonNode?> ReadCsv(FileInfo file)
    {
        using var reader = new StreamReader(file.FullName);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            MissingFieldFound = null,
            HeaderValidated = null,
        });
        csv.Read();
        csv.ReadHeader();
        while (csv.Read())
        {
            string? Field(string name) => csv.TryGetField<string>(name.ToLowerInvariant(), out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
            var statement = new JsonObject
            {
                ["text"] = Field("text"),
                ["publishedAt"] = Field("publishedAt"),
                ["speaker"] = Field("speaker"),
            };
            if (Field("sourceUrl") is not null || Field("sourceTitle") is not null || Field("sourcePublisher") is not null)
            {
                statement["source"] = new JsonObject { ["url"] = Field("sourceUrl"), ["title"] = Field("sourceTitle"), ["publisher"] = Field("sourcePublisher") };
            }
            if (Field("predictionId") is { } predictionId)
            {
                statement["links"] = new JsonArray(new JsonObject
                {
                    ["predictionId"] = predictionId, ["stance"] = Field("stance"), ["strength"] = Field("strength"), ["rationale"] = Field("rationale"),
                });
            }
            yield return statement;
        }
    }
}
