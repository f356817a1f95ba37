using System.Text.Json;

namespace PolicyTracker.Testing;

/// <summary>Reads a service's OpenAPI document (/openapi/v1.json) the way a client generator would.</summary>
public static class OpenApiDocuments
{
    /// <summary>Every operation as "METHOD /path" with its JSON.</summary>
    public static IReadOnlyList<(string Name, JsonElement Operation)> Operations(JsonElement document) =>
        [.. document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => ($"{op.Name.ToUpperInvariant()} {path.Name}", op.Value)))];

    /// <summary>The operations a reader of the API reference would find undocumented: no summary or no description.</summary>
    public static IReadOnlyList<string> Undocumented(JsonElement document) =>
        [.. Operations(document)
            .Where(o => !Has(o.Operation, "summary") || !Has(o.Operation, "description"))
            .Select(o => o.Name)];

    private static bool Has(JsonElement operation, string property) =>
        operation.TryGetProperty(property, out var value) && !string.IsNullOrWhiteSpace(value.GetString());
}
