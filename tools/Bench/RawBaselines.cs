using System.Diagnostics;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;

namespace PolicyTracker.Bench;

/// <summary>A development-sized event for the raw baselines (about what DevelopmentLogged carries).</summary>
public sealed record RawDevelopment(string PredictionId, Guid DevelopmentId, Guid StatementId, string Summary, DateTimeOffset OccurredAt,
    string Stance, string Strength, double PreviousProbability, double Probability, string Status, string RecordedBy, DateTimeOffset EffectiveAt);

/// <summary>
/// What the hardware gives without the product, measured in the same run on the same database server:
/// a plain batched jsonb insert and a plain Marten append, 100 rows/events per transaction, one writer.
/// The product's figures are reported as ratios to these.
/// </summary>
public static class RawBaselines
{
    public const int PerTransaction = 100;

    private static RawDevelopment Sample(int i, string stream) => new(stream, Guid.NewGuid(), Guid.NewGuid(),
        $"Raw baseline development {i}: a statement of roughly the length analysts log, quoting a minister on sanctions relief.",
        DateTimeOffset.UtcNow, i % 2 == 0 ? "supports" : "undermines", "weak", 0.5, 0.55, "uncertain", "bench", DateTimeOffset.UtcNow);

    /// <summary>Rows per second: unnest() of 100 (uuid, jsonb) pairs per INSERT, one transaction each.</summary>
    public static async Task<double> PostgresAsync(string connectionString, int rows, Action<int> progress)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(
            "drop table if exists bench_raw_rows; create table bench_raw_rows (id uuid primary key, data jsonb not null, created_at timestamptz not null default now())",
            connection))
        {
            await create.ExecuteNonQueryAsync();
        }
        var watch = Stopwatch.StartNew();
        for (var done = 0; done < rows;)
        {
            var count = Math.Min(PerTransaction, rows - done);
            var ids = new Guid[count];
            var data = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = Guid.NewGuid();
                data[i] = JsonSerializer.Serialize(Sample(done + i, "raw"), BenchSystem.Json);
            }
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = new NpgsqlCommand("insert into bench_raw_rows (id, data) select * from unnest($1, $2)", connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = ids });
            insert.Parameters.Add(new NpgsqlParameter { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
            done += count;
            progress(done);
        }
        return rows / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Events per second: Marten appends of 100 events to one of ten string-keyed streams per SaveChanges.</summary>
    public static async Task<double> MartenAsync(string connectionString, int events, Action<int> progress)
    {
        await using var store = DocumentStore.For(options =>
        {
            options.Connection(connectionString);
            options.DatabaseSchemaName = "bench_raw";
            options.Events.StreamIdentity = StreamIdentity.AsString;
            options.AutoCreateSchemaObjects = AutoCreate.All;
            options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
            options.Events.AddEventType<RawDevelopment>();
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        for (var done = 0; done < events;)
        {
            var count = Math.Min(PerTransaction, events - done);
            var stream = $"raw-{run}-{done / PerTransaction % 10}";
            await using var session = store.LightweightSession();
            session.Events.Append(stream, Enumerable.Range(done, count).Select(i => (object)Sample(i, stream)).ToArray());
            await session.SaveChangesAsync();
            done += count;
            progress(done);
        }
        return events / watch.Elapsed.TotalSeconds;
    }
}
