using System.CommandLine;

namespace PolicyTracker.Importer;

// An explicit entry class: the tests reference both this tool and Ingestion, whose top-level Program would clash.
public static class ImporterProgram
{
    public static async Task<int> Main(string[] args)
    {
        var gateway = new Option<string>("--gateway") { Description = "Base address of the gateway (or Ingestion itself)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var apiKey = new Option<string>("--api-key") { Description = "An analyst's API key", DefaultValueFactory = _ => "analyst-dev-key" };

        var file = new Argument<FileInfo>("file") { Description = "A .json (array), .ndjson/.jsonl or .csv file of statements" };
        var statements = new Command("statements", "Import a file of statements through the batch API") { file, gateway, apiKey };
        statements.SetAction((parse, cancellationToken) =>
            StatementImport.RunAsync(parse.GetValue(file)!, Api.Create(parse.GetValue(gateway)!, parse.GetValue(apiKey)!), cancellationToken));

        var folder = new Argument<DirectoryInfo>("folder") { Description = "The folder holding developments.json and resolutions.json" };
        var history = new Command("history", "Import the 2017-2025 history: developments as linked statements, then the resolutions") { folder, gateway, apiKey };
        history.SetAction((parse, cancellationToken) =>
            HistoryImport.RunAsync(parse.GetValue(folder)!, Api.Create(parse.GetValue(gateway)!, parse.GetValue(apiKey)!), cancellationToken));

        var archive = new Argument<FileInfo>("archive") { Description = "An NDJSON archive from GET /api/export" };
        var verify = new Command("verify", "Recompute the hash chains of an export archive offline and report the first broken link") { archive };
        verify.SetAction(parse => ArchiveVerification.Run(parse.GetValue(archive)!));

        var root = new RootCommand("PolicyTracker bulk import and archive verification") { statements, history, verify };
        return await root.Parse(args).InvokeAsync();
    }
}
