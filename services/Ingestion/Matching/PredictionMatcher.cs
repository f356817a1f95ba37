using Marten;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>
/// Hybrid retrieval for a batch of statements against every known prediction: PostgreSQL full-text search
/// (one round trip per batch), sentence embeddings compared with each prediction's profile, and what analysts
/// linked and dismissed, combined into one calibrated score per pair by <see cref="MatchScore"/>.
/// </summary>
public sealed class PredictionMatcher(IDocumentStore store, SentenceEmbeddings embeddings, FeedbackIndex feedback, IOptions<MatchingOptions> options)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Id, long Version), List<float[]>> _legacyPrototypes = new();

    public async Task<IReadOnlyList<Suggestion>[]> SuggestAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var measured = await MeasureAsync(texts, cancellationToken);
        return [.. measured.Select(pairs => MatchScore.Rank(pairs.Select(MatchScore.Score), options.Value))];
    }

    /// <summary>Every pair's features, for the score and for the evaluation that fits it.</summary>
    public async Task<IReadOnlyList<MatchFeatures>[]> MeasureAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var prepared = texts.Select(SentenceEmbeddings.Prepare).ToArray();
        if (prepared.Length == 0)
        {
            return [];
        }
        // The encoder is the slow part and needs no database: it runs while PostgreSQL ranks keywords.
        var encoding = Task.Run(() => embeddings.Encode(prepared, options.Value.EncoderThreads, cancellationToken), cancellationToken);
        List<KnownPrediction> predictions;
        await using (var session = store.QuerySession())
        {
            predictions = [.. await session.Query<KnownPrediction>().ToListAsync(cancellationToken)];
        }
        foreach (var prediction in predictions.Where(p => p.Prototypes.Count == 0))
        {
            // A copy stored before prototypes existed gets them from its wording here (once per version) until its
            // next registration, reword or catalog refresh stores them.
            prediction.Prototypes = _legacyPrototypes.GetOrAdd((prediction.Id, prediction.Version), _ => prediction.WithProfile(embeddings).Prototypes);
        }
        var keywords = await KeywordsAsync(prepared, cancellationToken);
        var taught = await feedback.CurrentAsync(store, cancellationToken);
        var vectors = await encoding;

        var result = new IReadOnlyList<MatchFeatures>[prepared.Length];
        for (var i = 0; i < prepared.Length; i++)
        {
            var pairs = new List<MatchFeatures>(predictions.Count);
            foreach (var prediction in predictions)
            {
                var semantic = prediction.Vector.Length == 0 ? 0 : SentenceEmbeddings.Cosine(vectors[i], prediction.Vector);
                var (best, top2) = Facets(vectors[i], prediction, semantic);
                keywords.TryGetValue((i, prediction.Id), out var keyword);
                var examples = taught.GetValueOrDefault(prediction.Id);
                pairs.Add(new MatchFeatures(prediction.Id, semantic, keyword.Hits, keyword.Overlap,
                    examples?.Pull(vectors[i]) ?? 0, examples?.Push(vectors[i]) ?? 0,
                    best, top2, examples?.PullBest(vectors[i]) ?? 0));
            }
            result[i] = pairs;
        }
        return result;
    }

    /// <summary>The closest of the prediction's texts, and the mean of the two closest (the profile when a copy has no texts' vectors yet).</summary>
    private static (double Best, double Top2) Facets(float[] statement, KnownPrediction prediction, double semantic)
    {
        if (prediction.Prototypes.Count == 0)
        {
            return (semantic, semantic);
        }
        double first = double.MinValue, second = double.MinValue;
        foreach (var prototype in prediction.Prototypes)
        {
            var cosine = SentenceEmbeddings.Cosine(statement, prototype);
            if (cosine > first)
            {
                (first, second) = (cosine, first);
            }
            else if (cosine > second)
            {
                second = cosine;
            }
        }
        return (first, second == double.MinValue ? first : (first + second) / 2);
    }

    /// <summary>
    /// Per pair: how many of the prediction's search terms occur as phrases in the statement, and the weighted
    /// rank (title and terms A, claim B, resolution criteria C) of the statement's words in the prediction's text.
    /// </summary>
    private async Task<Dictionary<(int Position, string PredictionId), (int Hits, double Overlap)>> KeywordsAsync(
        string[] texts, CancellationToken cancellationToken)
    {
        var table = $"{store.Options.DatabaseSchemaName}.mt_doc_knownprediction";
        var sql = $"""
            with p as materialized (
                select id,
                    setweight(to_tsvector('english', coalesce(data ->> 'title', '') || ' ' ||
                        coalesce((select string_agg(t, ' ') from jsonb_array_elements_text(coalesce(data -> 'matchTerms', '[]'::jsonb)) t), '')), 'A')
                    || setweight(to_tsvector('english', coalesce(data ->> 'claim', '')), 'B')
                    || setweight(to_tsvector('english', coalesce(data ->> 'resolutionCriteria', '')), 'C') as document,
                    array(select q from (select phraseto_tsquery('english', t) as q
                        from jsonb_array_elements_text(coalesce(data -> 'matchTerms', '[]'::jsonb)) t) terms
                        where numnode(q) > 0) as terms
                from {table}
            ),
            s as materialized (
                select (ord - 1)::int as position, to_tsvector('english', body) as document,
                    -- the statement's words as alternatives: any of them may occur in the prediction's text
                    regexp_replace(plainto_tsquery('english', body)::text, '&|<[0-9-]+>', '|', 'g') as words
                from unnest(@texts) with ordinality as s(body, ord)
            ),
            pairs as (
                select s.position, p.id,
                    (select count(*) from unnest(p.terms) q where s.document @@ q)::int as hits,
                    case when s.words = '' then 0 else ts_rank(array[0.1, 0.2, 0.4, 1.0]::float4[], p.document, s.words::tsquery) end::float8 as overlap
                from s cross join p
            )
            select position, id, hits, overlap from pairs where hits > 0 or overlap > 0
            """;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter("texts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts });
        var found = new Dictionary<(int, string), (int, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found[(reader.GetInt32(0), reader.GetString(1))] = (reader.GetInt32(2), reader.GetDouble(3));
        }
        return found;
    }
}
