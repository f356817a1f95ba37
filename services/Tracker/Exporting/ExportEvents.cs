using System.Data;
using System.Text.Json;
using Marten;
using Npgsql;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker.Exporting;

/// <summary>
/// The auditor's archive: every prediction event of the store as NDJSON, one event per line with its
/// stored type, version, metadata, data exactly as PostgreSQL holds it, and its hash-chain link.
/// Rows are read from one server-side query and written as they arrive, so memory stays flat
/// whatever the store's size; `Importer verify` recomputes the chains offline from such a file.
/// </summary>
/// <summary>One line of the archive (documents the NDJSON shape; the rows are written straight from the database).</summary>
public sealed record ExportedEvent(
    string PredictionId, long Version, long Sequence, Guid EventId, string Type, DateTimeOffset RecordedAt, string? RecordedBy,
    string? CorrelationId, string? CausationId, JsonElement Data, string? Hash);

public static class ExportEvents
{
    public const string MediaType = "application/x-ndjson";
    private const int FlushEvery = 200;
    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    public static IEndpointRouteBuilder MapExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/export", (IDocumentStore store, HttpContext http) => TypedResults.Stream(body => WriteAsync(store, body, http.RequestAborted), MediaType))
            .WithTags("Auditing")
            .WithSummary("Export every prediction event as NDJSON")
            .WithDescription("Streams each event of every prediction stream, ordered by prediction and version: {predictionId, version, sequence, eventId, type (the stored event type the hash covers), recordedAt, recordedBy, correlationId, causationId, data, hash}. hash(n) = SHA-256 of hash(n-1) | type | version | canonical data, from 64 zeros. Auditor key.")
            .Produces<ExportedEvent>(StatusCodes.Status200OK, MediaType)
            .RequireAuthorization(Policies.Auditor);
        return app;
    }

    private static async Task WriteAsync(IDocumentStore store, Stream body, CancellationToken ct)
    {
        var hashes = store.Options.FindOrResolveDocumentType(typeof(EventHash)).TableName.QualifiedName;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            select e.stream_id, e.version, e.seq_id, e.id, e.type, e.timestamp, e.user_name, e.correlation_id, e.causation_id, e.data::text, h.data ->> 'hash'
            from {PredictionStore.Schema}.mt_events e
            left join {hashes} h on h.id = e.stream_id || '/' || e.version
            order by e.stream_id, e.version
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        await using var writer = new Utf8JsonWriter(body);
        var rows = 0;
        while (await reader.ReadAsync(ct))
        {
            writer.WriteStartObject();
            writer.WriteString("predictionId", reader.GetString(0));
            writer.WriteNumber("version", reader.GetInt64(1));
            writer.WriteNumber("sequence", reader.GetInt64(2));
            writer.WriteString("eventId", reader.GetGuid(3));
            writer.WriteString("type", reader.GetString(4));
            writer.WriteString("recordedAt", reader.GetFieldValue<DateTimeOffset>(5));
            WriteNullable(writer, "recordedBy", reader, 6);
            WriteNullable(writer, "correlationId", reader, 7);
            WriteNullable(writer, "causationId", reader, 8);
            writer.WritePropertyName("data");
            writer.WriteRawValue(reader.GetString(9), skipInputValidation: true);
            WriteNullable(writer, "hash", reader, 10);
            writer.WriteEndObject();
            await writer.FlushAsync(ct);
            writer.Reset();
            await body.WriteAsync(NewLine, ct);
            if (++rows % FlushEvery == 0)
            {
                await body.FlushAsync(ct);
            }
        }
        await body.FlushAsync(ct);
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, reader.GetString(ordinal));
        }
    }
}
