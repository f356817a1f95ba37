using Spectre.Console;

namespace PolicyTracker.Importer;

public static class StatementImport
{
    public static async Task<int> RunAsync(FileInfo file, HttpClient client, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No such file: {file.FullName}[/]");
            return 2;
        }
        var chunks = BatchPoster.Chunk(StatementFiles.Read(file)).ToList();
        var total = chunks.Sum(c => c.Count);
        var totals = ImportTotals.None;
        try
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"Importing {file.Name}", maxValue: Math.Max(total, 1));
                    foreach (var chunk in chunks)
                    {
                        totals = totals.Add(await BatchPoster.PostAsync(client, chunk, cancellationToken));
                        task.Increment(chunk.Count);
                    }
                });
        }
        catch (HttpRequestException ex)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Import stopped: {ex.Message}[/]");
            Summary(totals);
            return 1;
        }
        Summary(totals);
        return totals.Rejected.Count == 0 ? 0 : 3;
    }

    public static void Summary(ImportTotals totals)
    {
        var table = new Table().AddColumns("accepted", "duplicate", "rejected");
        table.AddRow(totals.Accepted.ToString(), totals.Duplicates.ToString(), totals.Rejected.Count.ToString());
        AnsiConsole.Write(table);
        foreach (var rejection in totals.Rejected.Take(20))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]item {rejection.Index}[/]: {rejection.Errors}");
        }
        if (totals.Rejected.Count > 20)
        {
            AnsiConsole.MarkupLineInterpolated($"… and {totals.Rejected.Count - 20} more rejected");
        }
    }
}
