using System.Text.Json;
using PolicyTracker.Tracker.Predictions;
using Spectre.Console;

namespace PolicyTracker.Importer;

/// <summary>Where an archive's chain first breaks: the prediction, the version, the line, and why.</summary>
public sealed record BrokenLink(string PredictionId, long Version, int Line, string Reason);

public sealed record ArchiveReport(int Streams, int Events, BrokenLink? FirstBroken)
{
    public bool Valid => FirstBroken is null;
}

/// <summary>
/// Recomputes the hash chains of a `GET /api/export` archive offline, line by line (memory holds one
/// head hash per prediction, not the archive). The hash is the Tracker's own <see cref="HashChain"/>,
/// compiled into this tool from the same source file, so the two can never disagree on a definition.
/// </summary>
public static class ArchiveVerification
{
    public static ArchiveReport Verify(TextReader archive)
    {
        var heads = new Dictionary<string, (long Version, string Hash)>(StringComparer.Ordinal);
        var events = 0;
        var lineNumber = 0;
        while (archive.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            string predictionId;
            long version;
            string type, data;
            string? hash;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                predictionId = root.GetProperty("predictionId").GetString()!;
                version = root.GetProperty("version").GetInt64();
                type = root.GetProperty("type").GetString()!;
                data = root.GetProperty("data").GetRawText();
                hash = root.TryGetProperty("hash", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return new(heads.Count, events, new BrokenLink("?", 0, lineNumber, $"unreadable line: {ex.Message}"));
            }
            events++;
            var (previousVersion, previousHash) = heads.GetValueOrDefault(predictionId, (0, HashChain.Genesis));
            var streams = heads.Count + (heads.ContainsKey(predictionId) ? 0 : 1);
            if (version != previousVersion + 1)
            {
                return new(streams, events, new BrokenLink(predictionId, previousVersion + 1, lineNumber,
                    $"expected version {previousVersion + 1}, found {version} (an event is missing or out of order)"));
            }
            var computed = HashChain.Compute(previousHash, type, version, data);
            if (hash is null)
            {
                return new(streams, events, new BrokenLink(predictionId, version, lineNumber, "no hash link stored"));
            }
            if (!string.Equals(hash, computed, StringComparison.Ordinal))
            {
                return new(streams, events, new BrokenLink(predictionId, version, lineNumber,
                    $"stored hash {hash[..Math.Min(12, hash.Length)]}… differs from recomputed {computed[..12]}… (the event or an earlier one was altered)"));
            }
            heads[predictionId] = (version, computed);
        }
        return new(heads.Count, events, null);
    }

    public static int Run(FileInfo file)
    {
        if (!file.Exists)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No such file: {file.FullName}[/]");
            return 2;
        }
        using var reader = file.OpenText();
        var report = Verify(reader);
        if (report.FirstBroken is { } broken)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Broken[/] at {broken.PredictionId} version {broken.Version} (line {broken.Line}): {broken.Reason}");
            AnsiConsole.MarkupLineInterpolated($"Checked {report.Events} events of {report.Streams} predictions before the break.");
            return 1;
        }
        AnsiConsole.MarkupLineInterpolated($"[green]Valid[/]: {report.Events} events in {report.Streams} predictions, every hash chain intact.");
        return 0;
    }
}
