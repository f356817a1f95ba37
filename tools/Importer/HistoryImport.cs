using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace PolicyTracker.Importer;

/// <summary>
/// Imports data/history: each development becomes a statement linked to its predictions (so it
/// reaches the Tracker as LogDevelopment), then each resolution goes to the Tracker's resolution
/// route. Idempotent: statements de-duplicate and a resolved prediction answers 409.
/// </summary>
public static class HistoryImport
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(DirectoryInfo folder, HttpClient client, CancellationToken cancellationToken)
    {
        var developments = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder.FullName, "developments.json"), cancellationToken))!.AsArray();
        var resolutions = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder.FullName, "resolutions.json"), cancellationToken))!.AsArray();
        var statements = developments.Select(ToStatement).ToList();
        var chunk = statements.Select((s, i) => (i, s.ToJsonString())).ToList();

        // Ingestion learns the predictions from the Tracker at start-up; until it has, links are refused as unknown.
        var deadline = DateTime.UtcNow + Patience;
        var totals = ImportTotals.None;
        while (true)
        {
            totals = await BatchPoster.PostAsync(client, chunk, cancellationToken);
            if (totals.Rejected.Count == 0 || !totals.Rejected.Any(r => r.Errors.Contains("predictionId")) || DateTime.UtcNow > deadline)
            {
                break;
            }
            AnsiConsole.MarkupLine("[grey]Ingestion does not know every prediction yet; retrying…[/]");
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
        AnsiConsole.MarkupLine("[bold]Developments[/]");
        StatementImport.Summary(totals);

        var expected = developments
            .SelectMany(d => d!["links"]!.AsArray().Select(l => l!["predictionId"]!.GetValue<string>()))
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        var resolved = 0;
        var already = 0;
        var failed = 0;
        foreach (var resolution in resolutions)
        {
            var id = resolution!["predictionId"]!.GetValue<string>();
            // A resolved prediction may refuse later developments: resolve only once its history has arrived.
            await WaitForDevelopmentsAsync(client, id, expected.GetValueOrDefault(id), cancellationToken);
            using var response = await client.PostAsJsonAsync($"api/predictions/{Uri.EscapeDataString(id)}/resolution", new
            {
                outcome = resolution["outcome"]!.GetValue<string>(),
                rationale = resolution["rationale"]!.GetValue<string>(),
                resolvedAt = resolution["resolvedAt"]?.GetValue<string>(),
            }, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                resolved++;
            }
            else if (response.StatusCode == HttpStatusCode.Conflict)
            {
                already++;
            }
            else
            {
                failed++;
                AnsiConsole.MarkupLineInterpolated($"[red]{id}: resolution answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}[/]");
            }
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]Resolutions[/]: {resolved} resolved, {already} already resolved, {failed} failed");
        return totals.Rejected.Count == 0 && failed == 0 ? 0 : 1;
    }

    private static JsonNode ToStatement(JsonNode? development) => new JsonObject
    {
        ["text"] = development!["summary"]!.GetValue<string>(),
        ["publishedAt"] = development["date"]!.GetValue<string>(),
        ["source"] = development["source"]?.DeepClone(),
        ["links"] = development["links"]!.DeepClone(),
    };

    private static async Task WaitForDevelopmentsAsync(HttpClient client, string id, int expected, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var prediction = await client.GetFromJsonAsync<JsonElement>($"api/predictions/{Uri.EscapeDataString(id)}", cancellationToken);
                if (prediction.TryGetProperty("resolution", out var resolution) && resolution.ValueKind == JsonValueKind.Object)
                {
                    return;
                }
                if (prediction.TryGetProperty("developmentCount", out var count) && count.GetInt32() >= expected)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        AnsiConsole.MarkupLineInterpolated($"[yellow]{id}: not every development reached the tracker within {Patience.TotalSeconds}s; resolving anyway[/]");
    }
}
