using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Importer;
using PolicyTracker.Ingestion.Tests.Support;

namespace PolicyTracker.Ingestion.Tests.Api;

public sealed class ImporterCommandTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    [Fact]
    public async Task The_statements_command_imports_an_ndjson_file_and_reports_success()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = Path.Combine(Path.GetTempPath(), $"statements-{marker}.ndjson");
        await File.WriteAllLinesAsync(path, Enumerable.Range(0, 2500).Select(i => JsonSerializer.Serialize(new
        {
            text = $"Imported archive item {i} {marker}",
            publishedAt = "2017-03-01",
            source = new { url = $"https://import.example.org/{marker}/{i}" },
        })));
        using var client = ingestion.Client();

        var exitCode = await StatementImport.RunAsync(new FileInfo(path), client, CancellationToken.None);

        exitCode.ShouldBe(0);
        var found = await client.GetFromJsonAsync<JsonElement>($"/api/statements?q={marker}&limit=500");
        found.GetArrayLength().ShouldBe(500);
        File.Delete(path);
    }
}
