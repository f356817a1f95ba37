using Microsoft.AspNetCore.Http.HttpResults;
using JasperFx.Events;
using Marten;
using Npgsql;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;
using PolicyTracker.Tracker.Http;
using static PolicyTracker.ServiceDefaults.InputParsing;
using static PolicyTracker.Tracker.Http.HttpConventions;

namespace PolicyTracker.Tracker.ReadingPredictions;

/// <summary>
/// One line of a timeline: the event and the probability and status after it. Hindsight marks a
/// development that occurred before the forecast was made: the forecaster could already know it.
/// </summary>
public sealed record TimelineEntryView(
    long Version, string Type, DateTimeOffset RecordedAt, DateTimeOffset EffectiveAt, string RecordedBy, string Summary,
    double Probability, PredictionStatus Status, bool Hindsight)
{
    public static TimelineEntryView Of(TimelineEntry e) =>
        new(e.Event.Version, Replays.TypeName(e.Event.Data), e.Event.RecordedAt, e.Event.Data.EffectiveAt, e.Event.Data.RecordedBy,
            Replays.Summary(e.Event.Data), e.State.Probability, e.State.Status, Replays.IsHindsight(e.Event.Data, e.State.MadeAt));
}

/// <summary>The public reads: list, detail, timeline in both orders, and as-of on both time axes.</summary>
public static class ReadPredictions
{
    private const int DevelopmentsShown = 100;

    public static RouteGroupBuilder MapReadPredictions(this RouteGroupBuilder predictions)
    {
        predictions.MapGet("/", async Task<Results<Ok<IEnumerable<PredictionView>>, ValidationProblem>> (string? status, string? tag, IQuerySession session, CancellationToken ct) =>
        {
            PredictionStatus wanted = default;
            if (status is not null && !TryParseEnum(status, out wanted))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [OneOf<PredictionStatus>()] });
            }
            var query = session.Query<Prediction>().AsQueryable();
            if (status is not null)
            {
                query = query.Where(p => p.Status == wanted);
            }
            var all = await query.OrderBy(p => p.Id).ToListAsync(ct);
            var shown = tag is null ? all : all.Where(p => p.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase));
            return TypedResults.Ok(shown.Select(PredictionView.Of));
        })
            .WithSummary("List predictions")
            .WithDescription("Every prediction, optionally only those with a status (likely, uncertain, unlikely, overdue, confirmed, refuted, void) or a tag (case-insensitive).");

        predictions.MapGet("/{id}", async Task<Results<Ok<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> (string id, HttpContext http, IQuerySession session, CancellationToken ct) =>
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
            return TypedResults.Ok(PredictionDetailsView.Of(prediction));
        })
            .WithSummary("Get a prediction")
            .WithDescription("The prediction as it stands now; the ETag is its version, for If-Match on writes.");

        predictions.MapGet("/{id}/timeline", async Task<Results<Ok<IEnumerable<TimelineEntryView>>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> (string id, string? order, HttpContext http, IQuerySession session, CancellationToken ct) =>
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
            var entries = (order == "effective" ? Replays.ByEffective(events) : Replays.ByRecorded(events)).Select(TimelineEntryView.Of);
            if (Csv.IsWanted(http.Request))
            {
                return TypedResults.Text(Csv.Write(
                    ["version", "type", "recordedAt", "effectiveAt", "recordedBy", "summary", "probability", "status", "hindsight"],
                    entries.Select(e => (IReadOnlyList<object?>)[e.Version, e.Type, e.RecordedAt, e.EffectiveAt, e.RecordedBy, e.Summary, e.Probability, e.Status, e.Hindsight])),
                    Csv.MediaType);
            }
            return TypedResults.Ok(entries);
        })
            .WithSummary("A prediction's timeline")
            .WithDescription("Every event with the probability and status after it: in the order recorded (default), or with order=effective as the world unfolded, re-derived from everything known now. Accept: text/csv answers CSV with a header row.");

        predictions.MapGet("/{id}/as-of", async Task<Results<Ok<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> (string id, string? recordedAt, string? effectiveAt, IDocumentStore store, IQuerySession session, EffectiveReplayCache cache, CancellationToken ct) =>
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
        })
            .WithSummary("A prediction as of a time")
            .WithDescription("With recordedAt: as the system held it then (the version current at that time). With effectiveAt: as the world stood then, from everything known now. Lists up to 100 of the latest developments.");
        return predictions;
    }

    public static async Task<IReadOnlyList<RecordedEvent>> LoadAsync(IQuerySession session, string id, CancellationToken ct, long version = 0, long fromVersion = 0) =>
        (await session.Events.FetchStreamAsync(id, version, null, fromVersion, ct)).Select(ToRecorded).ToList();

    public static RecordedEvent ToRecorded(IEvent e) => new(e.Version, e.Timestamp, e.UserName, (IPredictionEvent)e.Data);

    /// <summary>
    /// As the system held it at T: the version current at T (an index on stream and timestamp), the
    /// checkpoint at or below it, and at most a hundred events on top, whatever the stream's length.
    /// </summary>
    private static async Task<Results<Ok<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> AsOfRecordedAsync(IDocumentStore store, IQuerySession session, string id, DateTimeOffset at, CancellationToken ct)
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
        return TypedResults.Ok(PredictionDetailsView.Of(state) with
        {
            AsOf = new AsOfView(at, version, null),
            Developments = [.. developments.Select(d => new DevelopmentView(d.Id, d.Summary, d.Stance, d.Strength, d.EffectiveAt, d.RecordedBy,
                d.LoggedVersion, d.RetractedVersion <= version))],
        });
    }

    /// <summary>As the world stood at T from everything known now: the effective-order replay up to T.</summary>
    private static async Task<Results<Ok<PredictionDetailsView>, ValidationProblem, ProblemHttpResult>> AsOfEffectiveAsync(IQuerySession session, EffectiveReplayCache cache, string id, DateTimeOffset at, CancellationToken ct)
    {
        var current = await session.LoadAsync<Prediction>(id, ct);
        if (current is null)
        {
            return NotFound(id);
        }
        var replay = await cache.GetAsync(id, current.Version, () => LoadAsync(session, id, ct), after => LoadAsync(session, id, ct, fromVersion: after + 1));
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
        return TypedResults.Ok(PredictionDetailsView.Of(replay.Entries[count - 1].State) with
        {
            AsOf = new AsOfView(null, null, at),
            Developments = [.. developments.Select(d => new DevelopmentView(d.DevelopmentId, d.Summary, d.Stance, d.Strength, d.EffectiveAt, d.RecordedBy))],
        });
    }
}
