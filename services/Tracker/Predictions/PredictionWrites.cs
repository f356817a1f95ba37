using JasperFx.Events;
using Marten;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>What a decision produced: events to append, or the problem that stopped it.</summary>
public sealed record Decision(IReadOnlyList<object> Events, IResult? Problem = null)
{
    public static Decision Of(params object[] events) => new(events);
    public static Decision Reject(IResult problem) => new([], problem);
}

/// <summary>The state after the write (null when it was stopped), the problem that stopped it, and the version it started from.</summary>
public sealed record WriteResult(Prediction? State, IResult? Problem, long VersionBefore)
{
    public bool Appended => State is not null && State.Version > VersionBefore;
}

/// <summary>
/// The one way to write to a prediction stream, for every writer (HTTP use cases, the LogDevelopment
/// consumer, the horizon watcher, the seeder): fetch for writing, honour the expected version, decide,
/// append, save. The hash links, checkpoints and development records follow from the inline
/// <see cref="PredictionLedgerProjection"/>. A writer without an expected version retries a lost race
/// with a fresh decision (nothing it sent is lost); one with an expected version that loses gets 412.
/// </summary>
public static class PredictionWrites
{
    private const int Attempts = 20;

    /// <summary>For a prediction that must exist: an unknown id is 404 before the decision runs.</summary>
    public static Task<WriteResult> AppendAsync(
        IDocumentStore store, string id, string recordedBy, long? expectedVersion,
        Func<Prediction, IDocumentSession, Task<Decision>> decide, CancellationToken cancellationToken,
        Action<IDocumentSession>? describe = null) =>
        WriteAsync(store, id, recordedBy, expectedVersion,
            (state, session) => state is null ? Task.FromResult(Decision.Reject(HttpConventions.NotFound(id))) : decide(state, session),
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
            await using var session = store.LightweightSession();
            session.LastModifiedBy = recordedBy;
            describe?.Invoke(session);
            TraceContext.CaptureInto(session);
            var stream = await session.Events.FetchForWriting<Prediction>(id, cancellationToken);
            var current = stream.CurrentVersion ?? 0;
            if (expectedVersion is { } expected && expected != current)
            {
                return stream.Aggregate is null ? new(null, HttpConventions.NotFound(id), 0) : new(null, HttpConventions.Stale(current), current);
            }
            Prediction? before = null;
            if (stream.Aggregate is not null)
            {
                before = stream.Aggregate with { };
                before.Version = current;
            }
            var decision = await decide(before, session);
            if (decision.Problem is not null)
            {
                return new(null, decision.Problem, current);
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
                    return new(null, HttpConventions.Stale(current + 1), current);
                }
                if (attempt >= Attempts)
                {
                    return new(null, TypedResults.Problem(statusCode: 409, title: "Write lost a race", detail: "Too many concurrent writers; retry."), current);
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
