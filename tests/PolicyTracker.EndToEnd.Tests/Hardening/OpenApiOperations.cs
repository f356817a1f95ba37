using System.Text.Json.Nodes;

namespace PolicyTracker.EndToEnd.Tests.Hardening;

public sealed record OpenApiParameter(string Name, string In, string? Type, string? Format);

/// <summary>One operation of a service's OpenAPI document, with its request body's schema resolved where it has one.</summary>
public sealed record OpenApiOperation(string Service, string Method, string Path, IReadOnlyList<OpenApiParameter> Parameters, JsonNode? BodySchema, JsonObject Components)
{
    public override string ToString() => $"{Method} {Path}";
}

public static class OpenApiDocuments
{
    public static readonly string[] Services = ["ingestion", "tracker", "notifications"];

    /// <summary>Every operation the gateway publishes at /openapi/{service}.json.</summary>
    public static async Task<IReadOnlyList<OpenApiOperation>> LoadAsync(HttpClient gateway)
    {
        var operations = new List<OpenApiOperation>();
        foreach (var service in Services)
        {
            var document = JsonNode.Parse(await gateway.GetStringAsync($"/openapi/{service}.json"))!.AsObject();
            var components = document["components"]?["schemas"]?.AsObject() ?? [];
            foreach (var (path, item) in document["paths"]!.AsObject())
            {
                foreach (var (method, operation) in item!.AsObject())
                {
                    if (method == "parameters" || operation is not JsonObject op)
                    {
                        continue;
                    }
                    var parameters = (op["parameters"]?.AsArray() ?? []).OfType<JsonObject>().Select(p => new OpenApiParameter(
                        (string)p["name"]!, (string)p["in"]!, TypeOf(p["schema"]), (string?)p["schema"]?["format"])).ToList();
                    var schema = op["requestBody"]?["content"]?.AsObject().Select(c => c.Value?["schema"]).FirstOrDefault(s => s is not null);
                    operations.Add(new OpenApiOperation(service, method.ToUpperInvariant(), path, parameters, schema?.DeepClone(), components));
                }
            }
        }
        return operations;
    }

    /// <summary>The first non-null type of a schema ("type" may be a string or an array of them).</summary>
    public static string? TypeOf(JsonNode? schema) => schema?["type"] switch
    {
        JsonValue value => (string?)value,
        JsonArray types => types.Select(t => (string?)t).FirstOrDefault(t => t != "null"),
        _ => null,
    };
}
