using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PolicyTracker.Importer;

public sealed record Rejection(int Index, string Errors);

public sealed record ImportTotals(int Accepted, int Duplicates, IReadOnlyList<Rejection> Rejected)
{
    public static readonly ImportTotals None = new(0, 0, []);
    public ImportTotals Add(ImportTotals other) => new(Accepted + other.Accepted, Duplicates + other.Duplicates, [.. Rejected, .. other.Rejected]);
}

/// <summary>Sends statements to POST /api/statements/batch as NDJSON, in chunks under the API's item and size limits.</summary>
public static class BatchPoster
{
    public const int ItemsPerBatch = 1000;
    public const int BytesPerBatch = 8 * 1024 * 1024;

    public static IEnumerable<List<(int Index, string Line)>> Chunk(IEnumerable<JsonNode?> statements)
    {
        var chunk = new List<(int, string)>();
        var bytes = 0;
        var index = 0;
        foreach (var statement in statements)
        {
            var line = statement?.ToJsonString() ?? "null";
            if (chunk.Count == ItemsPerBatch || (chunk.Count > 0 && bytes + line.Length > BytesPerBatch))
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }
            chunk.Add((index++, line));
            bytes += line.Length + 1;
        }
        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    public static async Task<ImportTotals> PostAsync(HttpClient client, IReadOnlyList<(int Index, string Line)> chunk, CancellationToken cancellationToken)
    {
        var body = new StringContent(string.Join('\n', chunk.Select(c => c.Line)), Encoding.UTF8, "application/x-ndjson");
        using var response = await client.PostAsync("api/statements/batch", body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /api/statements/batch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var rejected = result.GetProperty("rejected").EnumerateArray()
            .Select(r => new Rejection(chunk[r.GetProperty("index").GetInt32()].Index, r.GetProperty("errors").GetRawText()))
            .ToList();
        return new ImportTotals(result.GetProperty("accepted").GetInt32(), result.GetProperty("duplicates").GetInt32(), rejected);
    }
}
