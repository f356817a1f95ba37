using Marten;
using Microsoft.Extensions.Options;
using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Matching;

/// <summary>Wakes the matching worker when statements were stored: intake does not wait for matching.</summary>
public sealed class MatchingSignal
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Wake()
    {
        if (_pending.CurrentCount == 0)
        {
            try
            {
                _pending.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer woke it first: one wake-up is enough for any number of statements.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Matches pending statements in batches, off the request path, and moves every one of them to triage,
/// with suggestions or without: nothing stays pending for longer than matching takes.
/// </summary>
public sealed class MatchingWorker(
    IDocumentStore store,
    PredictionMatcher matcher,
    MatchingSignal signal,
    IOptions<MatchingOptions> options,
    ILogger<MatchingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await MatchBatchAsync(stoppingToken) < options.Value.BatchSize)
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Matching a batch failed; the statements stay pending and are retried");
                try
                {
                    await Task.Delay(options.Value.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Matches the oldest pending statements; returns how many it took.</summary>
    public async Task<int> MatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var pending = await session.Query<Statement>()
            .Where(s => s.State == StatementState.Pending)
            .OrderBy(s => s.ReceivedAt)
            .Take(options.Value.BatchSize)
            .ToListAsync(cancellationToken);
        if (pending.Count == 0)
        {
            return 0;
        }
        var suggestions = await matcher.SuggestAsync([.. pending.Select(s => s.Text)], cancellationToken);
        for (var i = 0; i < pending.Count; i++)
        {
            Matched(pending[i], suggestions[i]);
            session.Store(pending[i]);
        }
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (IsConcurrency(ex))
        {
            // An analyst decided on one of them meanwhile: save the rest one by one, leaving decided ones alone.
            await SaveOneByOneAsync(pending, suggestions, cancellationToken);
        }
        return pending.Count;
    }

    /// <summary>The pure step: a matched statement goes to triage, its suggestions best first.</summary>
    public static void Matched(Statement statement, IReadOnlyList<Suggestion> suggestions)
    {
        statement.Suggestions = [.. suggestions];
        statement.State = StatementState.Triage;
    }

    private async Task SaveOneByOneAsync(IReadOnlyList<Statement> statements, IReadOnlyList<Suggestion>[] suggestions, CancellationToken cancellationToken)
    {
        for (var i = 0; i < statements.Count; i++)
        {
            await using var session = store.LightweightSession();
            var current = await session.LoadAsync<Statement>(statements[i].Id, cancellationToken);
            if (current is null || current.State != StatementState.Pending)
            {
                continue;
            }
            Matched(current, suggestions[i]);
            session.Store(current);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
            }
            catch (Exception ex) when (IsConcurrency(ex))
            {
                // Decided between our read and our write: the analyst's decision stands.
            }
        }
    }

    private static bool IsConcurrency(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is JasperFx.ConcurrencyException || (e is AggregateException a && a.InnerExceptions.Any(IsConcurrency)))
            {
                return true;
            }
        }
        return false;
    }
}
