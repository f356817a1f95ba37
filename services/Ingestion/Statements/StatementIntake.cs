using Marten;
using Npgsql;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Predictions;
using PolicyTracker.ServiceDefaults.Messaging;

namespace PolicyTracker.Ingestion.Statements;

public sealed record IntakeResult(Guid Id, bool Duplicate);

/// <summary>
/// The one write path for statements from every door (single, batch, feeds): de-duplicate and store a
/// whole batch in one Marten transaction; matching follows in the background (<see cref="MatchingWorker"/>).
/// </summary>
public static class StatementIntake
{
    private const int Attempts = 5;
    public const int SummaryLength = 4000;

    /// <summary>Links to predictions the read model does not know, named by their place in the request (single, batch and triage).</summary>
    public static Dictionary<string, string[]> UnknownLinkErrors(IReadOnlyList<LinkInput> links, HashSet<string> unknown) =>
        links
            .Select((link, index) => (link, index))
            .Where(l => unknown.Contains(l.link.PredictionId))
            .ToDictionary(l => $"links[{l.index}].predictionId", l => new[] { $"unknown prediction '{l.link.PredictionId}'" });

    public static async Task<IReadOnlyList<IntakeResult>> IngestAsync(
        IDocumentStore store, IReadOnlyList<StatementInput> statements, string recordedBy, DateTimeOffset now,
        MatchingSignal matching, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryIngestAsync(store, statements, recordedBy, now, matching, cancellationToken);
            }
            catch (Exception ex) when (attempt < Attempts && IsDuplicateKey(ex))
            {
                // A parallel request stored one of our keys between our read and our commit:
                // read again, and the copy that lost now shows up as a duplicate.
            }
        }
    }

    private static async Task<IReadOnlyList<IntakeResult>> TryIngestAsync(
        IDocumentStore store, IReadOnlyList<StatementInput> statements, string recordedBy, DateTimeOffset now,
        MatchingSignal matching, CancellationToken cancellationToken)
    {
        var keys = statements.Select(DedupKeys.For).ToArray();
        await using var session = store.LightweightSession();
        var existing = (await session.LoadManyAsync<StatementKey>(cancellationToken, keys.Distinct().ToArray()))
            .ToDictionary(k => k.Id, k => k.StatementId);

        var results = new IntakeResult[statements.Count];
        var fresh = new List<(int Position, Statement Statement)>();
        for (var i = 0; i < statements.Count; i++)
        {
            if (existing.TryGetValue(keys[i], out var original))
            {
                results[i] = new IntakeResult(original, Duplicate: true);
                continue;
            }
            var input = statements[i];
            var statement = new Statement
            {
                Id = Guid.CreateVersion7(now),
                Text = input.Text,
                PublishedAt = input.PublishedAt,
                Speaker = input.Speaker,
                Source = input.Source,
                ReceivedAt = now,
                ReceivedBy = recordedBy,
                DedupKey = keys[i],
            };
            existing[keys[i]] = statement.Id;
            results[i] = new IntakeResult(statement.Id, Duplicate: false);
            fresh.Add((i, statement));
        }

        // Statements without links are stored pending and matched by the background worker, so a 5,000-item
        // import is accepted at database speed rather than encoder speed.
        var linked = new List<object>();
        session.Insert(fresh.Select(f => f.Statement).ToArray());
        session.Insert(fresh.Select(f => new StatementKey { Id = f.Statement.DedupKey, StatementId = f.Statement.Id }).ToArray());
        foreach (var (position, statement) in fresh)
        {
            var links = statements[position].Links;
            if (links.Count > 0)
            {
                linked.AddRange(Linking.Link(statement, links, recordedBy, now));
            }
        }
        if (linked.Count > 0)
        {
            // One outbox stream per transaction rather than one per statement: a 5,000-statement
            // batch then writes one stream row instead of 5,000. Events carry their statement id.
            session.Events.StartStream(Guid.CreateVersion7(now), [.. linked]);
        }
        if (fresh.Count > 0)
        {
            session.LastModifiedBy = recordedBy;
            TraceContext.CaptureInto(session);
            await session.SaveChangesAsync(cancellationToken);
            if (fresh.Any(f => f.Statement.State == StatementState.Pending))
            {
                matching.Wake();
            }
        }
        return results;
    }

    public static bool IsDuplicateKey(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e.GetType().Name == "DocumentAlreadyExistsException" || e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return true;
            }
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsDuplicateKey))
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>The pure decision of linking a statement: its new state and the events to forward.</summary>
public static class Linking
{
    public static IReadOnlyList<StatementLinked> Link(Statement statement, IReadOnlyList<LinkInput> links, string linkedBy, DateTimeOffset now)
    {
        var events = links.Select(l => new StatementLinked(
            statement.Id, l.PredictionId, DevelopmentIds.For(statement.Id, l.PredictionId),
            Summary(statement.Text), statement.PublishedAt, l.Stance, l.Strength, l.Rationale, statement.Source, linkedBy, now)).ToList();
        statement.Links = [.. statement.Links, .. events.Select(e => new StatementLink(e.PredictionId, e.DevelopmentId, e.Stance, e.Strength, e.Rationale, linkedBy, now))];
        statement.State = StatementState.Linked;
        return events;
    }

    /// <summary>The Tracker keeps summaries short; the statement itself stays whole in Ingestion.</summary>
    public static string Summary(string text) =>
        text.Length <= StatementIntake.SummaryLength ? text : text[..(StatementIntake.SummaryLength - 1)] + "…";
}
