using Marten;
using Npgsql;
using NpgsqlTypes;
using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Matching;

public sealed class MatchingOptions
{
    /// <summary>Suggestions scoring below this are dropped; a statement with none stays pending.</summary>
    public double Threshold { get; set; } = 0.05;
    public int MaxSuggestions { get; set; } = 5;
}

/// <summary>
/// PostgreSQL full-text search does the matching: the English stemmer and ranking of
/// <c>to_tsvector</c>/<c>websearch_to_tsquery</c>/<c>ts_rank_cd</c>, over every known prediction's search terms,
/// for a whole batch of statements in one round trip.
/// </summary>
public static class PredictionMatcher
{
    public static async Task<IReadOnlyList<Suggestion>[]> SuggestAsync(
        IDocumentStore store, IReadOnlyList<string> texts, MatchingOptions options, CancellationToken cancellationToken)
    {
        var results = new IReadOnlyList<Suggestion>[texts.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = [];
        }
        if (texts.Count == 0)
        {
            return results;
        }

        var table = $"{store.Options.DatabaseSchemaName}.mt_doc_knownprediction";
        // Normalisation 32 maps the rank into [0, 1): rank / (rank + 1).
        var sql = $"""
            with predictions as (
                select id, websearch_to_tsquery('english', data ->> 'searchQuery') as query
                from {table}
                where coalesce(data ->> 'searchQuery', '') <> ''
            ),
            statements as (
                select (ord - 1)::int as position, to_tsvector('english', body) as document
                from unnest(@texts) with ordinality as s(body, ord)
            )
            select s.position, p.id, ts_rank_cd(s.document, p.query, 32)::float8 as score
            from statements s
            join predictions p on s.document @@ p.query
            """;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("texts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts.ToArray() });
        var found = new List<(int Position, Suggestion Suggestion)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                found.Add((reader.GetInt32(0), new Suggestion(reader.GetString(1), Math.Round(reader.GetDouble(2), 4))));
            }
        }
        foreach (var group in found.GroupBy(f => f.Position))
        {
            results[group.Key] = [.. Rank(group.Select(g => g.Suggestion), options)];
        }
        return results;
    }

    /// <summary>Best first, above the threshold, at most a handful.</summary>
    public static IEnumerable<Suggestion> Rank(IEnumerable<Suggestion> suggestions, MatchingOptions options) =>
        suggestions
            .Where(s => s.Score >= options.Threshold)
            .OrderByDescending(s => s.Score)
            .ThenBy(s => s.PredictionId, StringComparer.Ordinal)
            .Take(options.MaxSuggestions);
}
