using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using PolicyTracker.Tracker.Http;
using Marten;
using Npgsql;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.ReadingPredictions;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.Auditing;

public sealed record StoredEvent(long Version, string Type, string Data);

public sealed record IntegrityReport(bool Valid, int Events, string HeadHash, long? BrokenAtVersion);

/// <summary>An event as an auditor reads it: its metadata, its data as stored, and its hash-chain link.</summary>
public sealed record HistoryEntryView(
    Guid EventId, long Version, long Sequence, string Type, DateTimeOffset RecordedAt, string RecordedBy, DateTimeOffset EffectiveAt,
    string? CorrelationId, string? CausationId, object Data, string? Hash);

public static class Audit
{
    /// <summary>
    /// Recomputes the chain from the rows as PostgreSQL holds them. The first version whose row is
    /// missing, edited, or whose stored link disagrees is where the chain breaks.
    /// </summary>
    public static IntegrityReport Verify(IReadOnlyList<StoredEvent> events, IReadOnlyDictionary<long, string> links, long streamVersion)
    {
        var previous = HashChain.Genesis;
        long expected = 0;
        foreach (var e in events)
        {
            expected++;
            if (e.Version != expected)
            {
                return new(false, events.Count, previous, expected);
            }
            var hash = HashChain.Compute(previous, e.Type, e.Version, e.Data);
            if (!links.TryGetValue(e.Version, out var stored) || stored != hash)
            {
                return new(false, events.Count, previous, e.Version);
            }
            previous = hash;
        }
        var last = Math.Max(streamVersion, links.Count == 0 ? 0 : links.Keys.Max());
        return last > expected ? new(false, events.Count, previous, expected + 1) : new(true, events.Count, previous, null);
    }

    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder predictions)
    {
        predictions.MapGet("/{id}/history", async Task<Results<Ok<IEnumerable<HistoryEntryView>>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> (string id, HttpContext http, IOptions<JsonOptions> json, IQuerySession session, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            var events = await session.Events.FetchStreamAsync(id, token: ct);
            if (events.Count == 0)
            {
                return NotFound(id);
            }
            var links = (await session.Query<EventHash>().Where(h => h.PredictionId == id).ToListAsync(ct)).ToDictionary(h => h.Version, h => h.Hash);
            var entries = events.Select(e => new HistoryEntryView(e.Id, e.Version, e.Sequence, Replays.TypeName((IPredictionEvent)e.Data),
                e.Timestamp, e.UserName ?? ((IPredictionEvent)e.Data).RecordedBy, ((IPredictionEvent)e.Data).EffectiveAt,
                e.CorrelationId, e.CausationId, e.Data, links.GetValueOrDefault(e.Version)));
            if (Csv.IsWanted(http.Request))
            {
                return TypedResults.Text(Csv.Write(
                    ["eventId", "version", "sequence", "type", "recordedAt", "recordedBy", "effectiveAt", "correlationId", "causationId", "data", "hash"],
                    entries.Select(e => (IReadOnlyList<object?>)[e.EventId, e.Version, e.Sequence, e.Type, e.RecordedAt, e.RecordedBy, e.EffectiveAt,
                        e.CorrelationId, e.CausationId, JsonSerializer.Serialize(e.Data, e.Data.GetType(), json.Value.SerializerOptions), e.Hash])),
                    Csv.MediaType);
            }
            return TypedResults.Ok(entries);
        })
            .WithSummary("A prediction's history, as stored")
            .WithDescription("Every event with who recorded it and when, its correlation and causation ids, its data and its hash-chain link. Accept: text/csv answers CSV with a header row (data as a JSON cell). Auditor key.")
            .RequireAuthorization(Policies.Auditor);

        predictions.MapGet("/{id}/integrity", async Task<Results<Ok<IntegrityReport>, ValidationProblem, ProblemHttpResult>> (string id, IDocumentStore store, IQuerySession session, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            var events = new List<StoredEvent>();
            long streamVersion = 0;
            await using (var connection = store.Storage.Database.CreateConnection())
            {
                await connection.OpenAsync(ct);
                await using (var command = new NpgsqlCommand(
                    $"select version, type, data::text from {PredictionStore.Schema}.mt_events where stream_id = @id order by version", connection))
                {
                    command.Parameters.AddWithValue("id", id);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct))
                    {
                        events.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
                    }
                }
                await using (var command = new NpgsqlCommand($"select version from {PredictionStore.Schema}.mt_streams where id = @id", connection))
                {
                    command.Parameters.AddWithValue("id", id);
                    streamVersion = await command.ExecuteScalarAsync(ct) is long v ? v : 0;
                }
            }
            if (events.Count == 0 && streamVersion == 0)
            {
                return NotFound(id);
            }
            var links = (await session.Query<EventHash>().Where(h => h.PredictionId == id).ToListAsync(ct)).ToDictionary(h => h.Version, h => h.Hash);
            return TypedResults.Ok(Verify(events, links, streamVersion));
        })
            .WithSummary("Check a prediction's hash chain")
            .WithDescription("Recomputes the chain from the rows as PostgreSQL holds them; names the first version whose row is missing or edited. Auditor key.")
            .RequireAuthorization(Policies.Auditor);
        return predictions;
    }
}
