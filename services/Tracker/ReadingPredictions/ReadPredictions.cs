using JasperFx.Events;
using Marten;
using Npgsql;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.ReadingPredictions;

/// <summary>The public reads: list, detail, timeline in both orders, and as-of on both time axes.</summary>
public static class ReadPredictions
{
    private const int DevelopmentsShown = 100;

    public static RouteGroupBuilder MapReadPredictions(this RouteGroupBuilder predictions)
    {
        predictions.MapGet("/", async (string? status, string? tag, IQuerySession session, CancellationToken ct) =>
        {
            PredictionStatus wanted = default;
            if (status is not null && !TryParseEnum(status, out wanted))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["is not a known status"] });
            }
            var query = session.Query<Prediction>().AsQueryable();
            if (status is not null)
            {
                query = query.Where(p => p.Status == wanted);
            }
            var all = await query.OrderBy(p => p.Id).ToListAsync(ct);
            var shown = tag is null ? all : all.Where(p => p.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase));
            return Results.Ok(shown.Select(View));
        });

        predictions.MapGet("/{id}", async (string id, HttpContext http, IQuerySession session, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            var prediction = await session.LoadAsync<Prediction>(id, ct);
            if (prediction is null)
            {
                return NotFound(id);
            }
            http.Response.Headers.ETag = ETag(prediction.Version);
            return Results.Ok(Details(prediction));
        });

        predictions.MapGet("/{id}/timeline", async (string id, string? order, IQuerySession session, CancellationToken ct) =>
        {
            if (!PredictionId.IsValid(id))
            {
                return MalformedId();
            }
            if (order is not null && order != "recorded" && order != "effective")
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["order"] = ["must be recorded or effective"] });
            }
            var events = await LoadAsync(session, id, ct);
            if (events.Count == 0)
            {
                return NotFound(id);
            }
            var entries = order == "effective" ? Replays.ByEffective(events) : Replays.ByRecorded(events);
            return Results.Ok(entries.Select(e => new
            {
                version = e.Event.Version,
                type = Replays.TypeName(e.Event.Data),
                recordedAt = e.Event.RecordedAt,
                effectiveAt = e.Event.Data.EffectiveAt,
                recordedBy = e.Event.Data.RecordedBy,
                summary = Replays.Summary(e.Event.Data),
                probability = e.State.Probability,
                status = e.State.Status,
            }));
        });

        predictions.MapGet("/{id}/as-of", async (string id, string? recordedAt, string? effectiveAt, IDocumentStore store, IQuerySession session, EffectiveReplayCache cache, CancellationToken ct) =>
        {
            var errors = new Dictionary<string, string[]>();
            Require(errors, "id", PredictionId.IsValid(id), "must be a lower-case slug such as sanctions-relief");
            DateTimeOffset at = default;
            Require(errors, "recordedAt", recordedAt is null || TryParseTime(recordedAt, out at), "must be a time (ISO 8601)");
            Require(errors, "effectiveAt", effectiveAt is null || TryParseTime(effectiveAt, out at), "must be a time (ISO 8601)");
            Require(errors, "asOf", (recordedAt is null) != (effectiveAt is null), "give exactly one of recordedAt or effectiveAt");
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors);
            }
            return recordedAt is not null
                ? await AsOfRecordedAsync(store, session, id, at, ct)
                : await AsOfEffectiveAsync(session, cache, id, at, ct);
        });
        return predictions;
    }

    public static async Task<IReadOnlyList<RecordedEvent>> LoadAsync(IQuerySession session, string id, CancellationToken ct, long version = 0, long fromVersion = 0) =>
        (await session.Events.FetchStreamAsync(id, version, null, fromVersion, ct)).Select(ToRecorded).ToList();

    public static RecordedEvent ToRecorded(IEvent e) => new(e.Version, e.Timestamp, e.UserName, (IPredictionEvent)e.Data);

    /// <summary>
    /// As the system held it at T: the version current at T (an index on stream and timestamp), the
    /// checkpoint at or below it, and at most a hundred events on top, whatever the stream's length.
    /// </summary>
    private static async Task<IResult> AsOfRecordedAsync(IDocumentStore store, IQuerySession session, string id, DateTimeOffset at, CancellationToken ct)
    {
        long version;
        await using (var connection = store.Storage.Database.CreateConnection())
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand(
                $"select version from {PredictionStore.Schema}.mt_events where stream_id = @id and timestamp <= @at order by timestamp desc, version desc limit 1", connection);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("at", at.UtcDateTime);
            version = await command.ExecuteScalarAsync(ct) is long v ? v : 0;
        }
        if (version == 0)
        {
            return NotFound(id);
        }
        var checkpointVersion = version / PredictionCheckpoint.Interval * PredictionCheckpoint.Interval;
        var checkpoint = checkpointVersion == 0 ? null : await session.LoadAsync<PredictionCheckpoint>(PredictionCheckpoint.Key(id, checkpointVersion), ct);
        var from = checkpoint?.Version + 1 ?? 1;
        var events = await LoadAsync(session, id, ct, version, from);
        var state = Replays.ByRecorded(events, checkpoint?.State).LastOrDefault()?.State ?? checkpoint?.State;
        if (state is null)
        {
            return NotFound(id);
        }
        var developments = await session.Query<DevelopmentRecord>()
            .Where(d => d.PredictionId == id && d.LoggedVersion <= version)
            .OrderByDescending(d => d.LoggedVersion)
            .Take(DevelopmentsShown)
            .ToListAsync(ct);
        var view = Details(state);
        view["asOf"] = new { recordedAt = at, version };
        view["developments"] = developments.Select(d => new
        {
            developmentId = d.Id,
            summary = d.Summary,
            stance = d.Stance,
            strength = d.Strength,
            effectiveAt = d.EffectiveAt,
            recordedBy = d.RecordedBy,
            version = d.LoggedVersion,
            retracted = d.RetractedVersion <= version,
        });
        return Results.Ok(view);
    }

    /// <summary>As the world stood at T from everything known now: the effective-order replay up to T.</summary>
    private static async Task<IResult> AsOfEffectiveAsync(IQuerySession session, EffectiveReplayCache cache, string id, DateTimeOffset at, CancellationToken ct)
    {
        var current = await session.LoadAsync<Prediction>(id, ct);
        if (current is null)
        {
            return NotFound(id);
        }
        var replay = await cache.GetAsync(id, current.Version, () => LoadAsync(session, id, ct));
        var count = replay.CountUpTo(at);
        if (count == 0)
        {
            return NotFound(id);
        }
        var developments = new List<DevelopmentLogged>();
        for (var i = count - 1; i >= 0 && developments.Count < DevelopmentsShown; i--)
        {
            if (replay.Entries[i].Event.Data is DevelopmentLogged d && !replay.Retracted.Contains(d.DevelopmentId))
            {
                developments.Add(d);
            }
        }
        var view = Details(replay.Entries[count - 1].State);
        view["asOf"] = new { effectiveAt = at };
        view["developments"] = developments.Select(d => new
        {
            developmentId = d.DevelopmentId,
            summary = d.Summary,
            stance = d.Stance,
            strength = d.Strength,
            effectiveAt = d.EffectiveAt,
            recordedBy = d.RecordedBy,
        });
        return Results.Ok(view);
    }
}
