using JasperFx.Events;
using Marten;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Tracker.Predictions;

/// <summary>What a decision produced: events to append, or the problem that stopped it.</summary>
public sealed record Decision(IReadOnlyList<object> Events, IResult? Problem = null)
{
    public static Decision Of(params object[] events) => new(events);
    public static Decision Reject(IResult problem) => new([], problem);
}

public sealed record WriteResult(Prediction? State, IResult? Problem, long VersionBefore);

/// <summary>
/// The HTTP write path of every prediction use case: fetch for writing, honour If-Match, decide,
/// append with the ledger, save. A writer without If-Match retries a lost race (nothing it sent is
/// lost); a writer with If-Match that loses gets 412.
/// </summary>
public static class PredictionWrites
{
    private const int Attempts = 20;

    public static async Task<WriteResult> AppendAsync(
        IDocumentStore store, HttpContext http, string id, long? expectedVersion,
        Func<Prediction, IDocumentSession, Task<Decision>> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            session.LastModifiedBy = http.User.PrincipalName();
            TraceContext.CaptureInto(session);
            var stream = await session.Events.FetchForWriting<Prediction>(id, cancellationToken);
            if (stream.Aggregate is null)
            {
                return new(null, HttpConventions.NotFound(id), 0);
            }
            var current = stream.CurrentVersion ?? 0;
            if (expectedVersion is { } expected && expected != current)
            {
                return new(null, HttpConventions.Stale(current), current);
            }
            var before = stream.Aggregate with { };
            before.Version = current;
            var decision = await decide(before, session);
            if (decision.Problem is not null)
            {
                return new(null, decision.Problem, current);
            }
            var state = await PredictionLedger.RecordAsync(session, id, before, current, decision.Events, cancellationToken);
            stream.AppendMany(decision.Events);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
                return new(state, null, current);
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

    public static bool IsLostRace(Exception ex) => ex switch
    {
        JasperFx.ConcurrencyException or EventStreamUnexpectedMaxEventIdException or JasperFx.DocumentAlreadyExistsException
            or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException => true,
        _ when ex.InnerException is { } inner => IsLostRace(inner),
        _ => false,
    };
}
