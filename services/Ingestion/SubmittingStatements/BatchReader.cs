using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using PolicyTracker.ServiceDefaults;

namespace PolicyTracker.Ingestion.SubmittingStatements;

public sealed record BatchItem(int Index, int? Line, JsonElement? Json, Dictionary<string, string[]>? Errors);

public sealed record BatchBody(IReadOnlyList<BatchItem> Items, ProblemHttpResult? Problem);

/// <summary>
/// Reads a batch as a JSON array or as NDJSON. A malformed NDJSON line rejects that line only;
/// a malformed JSON array has no items to keep, so it rejects the request.
/// </summary>
public static class BatchReader
{
    public static async Task<BatchBody> ReadAsync(HttpRequest request, int maxItems, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var ndjson = mediaType is "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines";
        var json = mediaType is "application/json" || (mediaType?.EndsWith("+json") ?? false);
        if (!ndjson && !json)
        {
            return Fail(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send a JSON array (application/json) or NDJSON (application/x-ndjson).");
        }

        var body = await ReadLimitedAsync(request.Body, RequestLimits.BatchBodyBytes, cancellationToken);
        if (body is null)
        {
            return Fail(StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"A batch body may be at most {RequestLimits.BatchBodyBytes / (1024 * 1024)} MiB.");
        }
        return ndjson ? ReadNdjson(body, maxItems) : ReadArray(body, maxItems);
    }

    private static BatchBody ReadArray(byte[] body, int maxItems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return Invalid("body", $"Malformed JSON at line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}.");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            return Invalid("body", "must be a JSON array of statements");
        }
        var count = document.RootElement.GetArrayLength();
        if (count > maxItems)
        {
            return TooMany(count, maxItems);
        }
        var items = document.RootElement.EnumerateArray().Select((e, i) => new BatchItem(i, null, e, null)).ToList();
        return new BatchBody(items, null);
    }

    private static BatchBody ReadNdjson(byte[] body, int maxItems)
    {
        var items = new List<BatchItem>();
        var text = Encoding.UTF8.GetString(body);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            if (items.Count == maxItems)
            {
                return TooMany(items.Count + 1, maxItems);
            }
            try
            {
                items.Add(new BatchItem(items.Count, lineNumber, JsonDocument.Parse(line).RootElement, null));
            }
            catch (JsonException ex)
            {
                items.Add(new BatchItem(items.Count, lineNumber, null, new Dictionary<string, string[]>
                {
                    [$"line {lineNumber}"] = [$"Malformed JSON at position {ex.BytePositionInLine + 1}."],
                }));
            }
        }
        return new BatchBody(items, null);
    }

    private static async Task<byte[]?> ReadLimitedAsync(Stream stream, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }

    private static BatchBody TooMany(int count, int maxItems) =>
        Fail(StatusCodes.Status413PayloadTooLarge, "Too many statements", $"A batch may hold at most {maxItems} statements; this one holds at least {count}.");

    private static BatchBody Invalid(string field, string message) =>
        new([], TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] }) { Status = StatusCodes.Status400BadRequest }));

    private static BatchBody Fail(int status, string title, string detail) =>
        new([], TypedResults.Problem(detail, statusCode: status, title: title));
}
