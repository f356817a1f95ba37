using JasperFx.Events;
using Marten;
using Marten.Services.BatchQuerying;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Tracker.Predictions;
using PolicyTracker.Tracker.Storage;

namespace PolicyTracker.Tracker.Storage;

public enum RefusalKind { NotFound, Stale, Conflict }

/// <summary>Why a write appended nothing; the HTTP use cases answer it as a problem, other writers log or retry.</summary>
public sealed record Refusal(RefusalKind Kind, string Title, string Detail)
{
    public static Refusal NotFound(string title, string detail) => new(RefusalKind.NotFound, title, detail);
    public static Refusal Conflict(string title, string detail) => new(RefusalKind.Conflict, title, detail);
    public static Refusal UnknownPrediction(string id) => NotFound("Unknown prediction", $"No prediction '{id}'.");
    public static Refusal Stale(long current) => new(RefusalKind.Stale, "Stale If-Match", $"The prediction is at version {current}.");
}

/// <summary>What a decision produced: events to append, or the refusal that stopped it.</summary>
public sealed record Decision(IReadOnlyList<object> Events, Refusal? Refusal = null)
{
    public static Decision Of(params object[] events) => new(events);
    public static Decision Reject(Refusal refusal) => new([], refusal);
}

/// <summary>The state after the write (null when it was refused), the refusal, and the version it started from.</summary>
public sealed record WriteResult(Prediction? State, Refusal? Refusal, long VersionBefore)
{
    public bool Appended => State is not null && State.Version > VersionBefore;
}

/// <summary>
/// The one way to write to a prediction stream, for every writer (HTTP use cases, the LogDevelopment
/// consumer, the horizon watcher, the seeder): fetch for writing, honour the expected version, decide,
/// append, save. The hash links, checkpoints and development records follow from the inline
/// <see cref="PredictionLedgerProjection"/>. A writer without an expected version retries a lost race
/// with a fresh decision (nothing it sent is lost); one with an expected version that loses is stale.
/// </summary>
public static class PredictionWrites
{
    private const int Attempts = 20;

    /// <summary>For a prediction that must exist: an unknown id is refused before the decision runs.</summary>
    public static Task<WriteResult> AppendAsync(
        IDocumentStore store, string id, string recordedBy, long? expectedVersion,
        Func<Prediction, IDocumentSession, Task<Decision>> decide, CancellationToken cancellationToken,
        Action<IDocumentSession>? describe = null) =>
        WriteAsync(store, id, recordedBy, expectedVersion,
            (state, session) => state is null ? Task.FromResult(Decision.Reject(Refusal.UnknownPrediction(id))) : decide(state, session),
            cancellationToken, describe);

    /// <summary>
    /// The decision sees the stream's state, or null when the stream does not exist yet (so registering
    /// and seeding start it). <paramref name="describe"/> adds causation or correlation to the session.
    /// </summary>
    public static async Task<WriteResult> WriteAsync(
        IDocumentStore store, string id, string recordedBy, long? expectedVersion,
        Func<Prediction?, IDocumentSession, Task<Decision>> decide, CancellationToken cancellationToken,
        Action<IDocumentSession>? describe = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = OpenSession(store, recordedBy, describe);
            var stream = await session.Events.FetchForWriting<Prediction>(id, cancellationToken);
            var current = stream.CurrentVersion ?? 0;
            if (expectedVersion is { } expected && expected != current)
            {
                return new(null, stream.Aggregate is null ? Refusal.UnknownPrediction(id) : Refusal.Stale(current), current);
            }
            Prediction? before = null;
            if (stream.Aggregate is not null)
            {
                before = stream.Aggregate with { };
                before.Version = current;
            }
            var decision = await decide(before, session);
            if (decision.Refusal is not null)
            {
                return new(null, decision.Refusal, current);
            }
            if (decision.Events.Count == 0)
            {
                return new(before, null, current);
            }
            var after = decision.Events.Aggregate(before, Prediction.Fold)!;
            after.Version = current + decision.Events.Count;
            stream.AppendMany(decision.Events);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                return new(after, null, current);
            }
            catch (Exception ex) when (IsLostRace(ex))
            {
                if (expectedVersion is not null)
                {
                    return new(null, Refusal.Stale(current + 1), current);
                }
                if (attempt >= Attempts)
                {
                    return new(null, Refusal.Conflict("Write lost a race", "Too many concurrent writers; retry."), current);
                }
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken);
            }
        }
    }

    /// <summary>A session that records who wrote, the caller's causation or correlation, and the trace it runs in.</summary>
    private static IDocumentSession OpenSession(IDocumentStore store, string recordedBy, Action<IDocumentSession>? describe)
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = recordedBy;
        describe?.Invoke(session);
        TraceContext.CaptureInto(session);
        return session;
    }

    /// <summary>
    /// Several streams in one transaction (the LogDevelopment consumer's batch over many predictions): one
    /// round trip fetches every stream for writing together with what <paramref name="prepare"/> asks of
    /// the same batch query, and one commit appends to all of them, instead of a fetch and a commit per
    /// stream, which is what a bulk import waited on. An unknown stream is refused (and left out), the rest
    /// commit together. A lost race on any stream re-runs every decision on fresh state, as
    /// <see cref="WriteAsync"/> does for one.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, WriteResult>> AppendManyAsync<TPrepared>(
        IDocumentStore store, IReadOnlyList<string> ids, string recordedBy,
        Func<IBatchedQuery, Task<TPrepared>> prepare, Func<Prediction, TPrepared, Decision> decide, CancellationToken cancellationToken,
        Action<IDocumentSession>? describe = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = OpenSession(store, recordedBy, describe);
            var batch = session.CreateBatchQuery();
            var fetches = ids.Select(id => (Id: id, Stream: batch.Events.FetchForWriting<Prediction>(id))).ToList();
            var preparing = prepare(batch);
            await batch.Execute(cancellationToken);
            var prepared = await preparing;
            var results = new Dictionary<string, WriteResult>();
            var appended = false;
            foreach (var (id, fetch) in fetches)
            {
                var stream = await fetch;
                var current = stream.CurrentVersion ?? 0;
                if (stream.Aggregate is null)
                {
                    results[id] = new(null, Refusal.UnknownPrediction(id), current);
                    continue;
                }
                var before = stream.Aggregate with { };
                before.Version = current;
                var decision = decide(before, prepared);
                if (decision.Refusal is not null || decision.Events.Count == 0)
                {
                    results[id] = new(decision.Refusal is null ? before : null, decision.Refusal, current);
                    continue;
                }
                var after = decision.Events.Aggregate((Prediction?)before, Prediction.Fold)!;
                after.Version = current + decision.Events.Count;
                stream.AppendMany(decision.Events);
                results[id] = new(after, null, current);
                appended = true;
            }
            if (!appended)
            {
                return results;
            }
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                return results;
            }
            catch (Exception ex) when (IsLostRace(ex))
            {
                if (attempt >= Attempts)
                {
                    return ids.ToDictionary(id => id, id => new WriteResult(null,
                        Refusal.Conflict("Write lost a race", "Too many concurrent writers; retry."), results.GetValueOrDefault(id)?.VersionBefore ?? 0));
                }
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), cancellationToken);
            }
        }
    }

    private static bool IsLostRace(Exception ex) => ex switch
    {
        JasperFx.ConcurrencyException or EventStreamUnexpectedMaxEventIdException or JasperFx.DocumentAlreadyExistsException
            or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException => true,
        _ when ex.InnerException is { } inner => IsLostRace(inner),
        _ => false,
    };
}
