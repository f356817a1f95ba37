using PolicyTracker.Importer;
using PolicyTracker.Ingestion.Tests.Support;

namespace PolicyTracker.Ingestion.Tests.Api;

/// <summary>The bulk importer against the real API: a CSV read with CsvHelper, posted in batches, counted.</summary>
public sealed class ImporterTests(IngestionFixture ingestion) : IClassFixture<IngestionFixture>
{
    [Fact]
    public async Task A_csv_file_is_imported_and_a_second_run_adds_nothing()
    {
        var marker = Guid.NewGuid().ToString("N");
        var path = Path.Combine(Path.GetTempPath(), $"statements-{marker}.csv");
        await File.WriteAllLinesAsync(path,
        [
            "text,publishedAt,speaker,sourceUrl,sourceTitle,sourcePublisher,predictionId,stance,strength",
            $"\"Moscow says the JCPOA must survive, {marker}\",2018-05-09,Lavrov,https://csv.example.org/{marker}/1,Title,Wire,iran-deal,supports,moderate",
            $"\"A plain statement, {marker}\",2018-05-10,,,,,,,",
            $",2018-05-10,,,,,,,",
        ]);
        using var client = ingestion.Client();

        var chunk = BatchPoster.Chunk(StatementFiles.Read(new FileInfo(path))).Single();
        var first = await BatchPoster.PostAsync(client, chunk, CancellationToken.None);
        var second = await BatchPoster.PostAsync(client, chunk, CancellationToken.None);

        first.Accepted.ShouldBe(2);
        first.Rejected.Single().Index.ShouldBe(2);
        second.Accepted.ShouldBe(0);
        second.Duplicates.ShouldBe(2);
        File.Delete(path);
    }

    [Fact]
    public async Task The_history_developments_import_idempotently()
    {
        using var client = ingestion.Client();
        var statements = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(HistoryFile()))!.AsArray()
            .Select(d => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject
            {
                ["text"] = d!["summary"]!.GetValue<string>(),
                ["publishedAt"] = d["date"]!.GetValue<string>(),
                ["source"] = d["source"]!.DeepClone(),
                ["links"] = d["links"]!.DeepClone(),
            });
        var chunk = BatchPoster.Chunk(statements).Single();

        var first = await BatchPoster.PostAsync(client, chunk, CancellationToken.None);
        var second = await BatchPoster.PostAsync(client, chunk, CancellationToken.None);

        first.Rejected.ShouldBeEmpty();
        first.Accepted.ShouldBe(chunk.Count);
        second.Accepted.ShouldBe(0);
        second.Duplicates.ShouldBe(chunk.Count);
    }

    private static string HistoryFile()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory!.FullName, "data", "history", "developments.json")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory.FullName, "data", "history", "developments.json");
    }
}
