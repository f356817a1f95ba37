using System.Net;
using Marten;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PolicyTracker.Ingestion.Matching;
using PolicyTracker.Ingestion.Statements;

namespace PolicyTracker.Ingestion.Feeds;

/// <summary>
/// Polls every due feed on a timer, with conditional GET, and turns new items into statements.
/// A failing feed is recorded on the feed and never stops the others.
/// </summary>
public sealed class FeedPoller(
    IDocumentStore store,
    IHttpClientFactory clients,
    IOptions<FeedOptions> options,
    MatchingSignal matching,
    TimeProvider clock,
    ILogger<FeedPoller> logger) : BackgroundService
{
    public const string HttpClientName = "feeds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.TickInterval, clock);
        do
        {
            try
            {
                await PollDueFeedsAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Feed polling round failed; next round continues");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task PollDueFeedsAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<Feed> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<Feed>().Where(f => f.NextPollAt <= now).ToListAsync(cancellationToken);
        }
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (feed, token) => await PollAsync(feed, token));
    }

    public async Task PollAsync(Feed feed, CancellationToken cancellationToken)
    {
        var poll = await FetchAndIngestAsync(feed, cancellationToken);
        feed.LastPoll = poll;
        feed.NextPollAt = clock.GetUtcNow().AddSeconds(feed.PollIntervalSeconds);
        await using var session = store.LightweightSession();
        session.Store(feed);
        await session.SaveChangesAsync(cancellationToken);
    }

    private async Task<FeedPoll> FetchAndIngestAsync(Feed feed, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        var client = clients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get, feed.Url);
        if (feed.ETag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", feed.ETag);
        }
        if (feed.LastModified is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", feed.LastModified);
        }
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return new FeedPoll(started, "not-modified", status, null, 0, 0, 0);
            }
            if (!response.IsSuccessStatusCode)
            {
                return new FeedPoll(started, "failed", status, $"HTTP {status}", 0, 0, 0);
            }
            if (response.Content.Headers.ContentLength > options.Value.MaxFeedBytes)
            {
                return new FeedPoll(started, "failed", status, "feed too large", 0, 0, 0);
            }
            var content = await response.Content.ReadAsStringAsync(cancellationToken);
            var (items, error) = FeedParser.Parse(content, clock.GetUtcNow());
            if (error is not null)
            {
                return new FeedPoll(started, "failed", status, error, 0, 0, 0);
            }
            var results = await StatementIntake.IngestAsync(store, items, feed.CreatedBy, clock.GetUtcNow(), matching, cancellationToken);
            // Remember the validators only once the items are stored, so a failed store is fetched again in full.
            feed.ETag = response.Headers.ETag?.ToString();
            feed.LastModified = response.Content.Headers.LastModified?.ToString("R");
            return new FeedPoll(started, "ok", status, null, items.Count, results.Count(r => !r.Duplicate), results.Count(r => r.Duplicate));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = ex switch
            {
                TimeoutRejectedException => "timeout",
                BrokenCircuitException => "circuit open after repeated failures",
                HttpRequestException http => $"unreachable: {http.Message}",
                _ => ex.Message,
            };
            logger.LogWarning("Polling feed {Url} failed: {Reason}", feed.Url, reason);
            return new FeedPoll(started, "failed", null, reason, 0, 0, 0);
        }
    }
}
