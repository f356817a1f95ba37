using Marten;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.ServiceDefaults.Messaging;

/// <summary>A service's local copy of one Tracker prediction, as a Marten document keyed by the prediction id.</summary>
public interface IPredictionCopy
{
    string Id { get; }
    long Version { get; }
}

/// <summary>How a service builds its copy from a catalog entry or a registration, and applies a reword to it (including the version).</summary>
public sealed record PredictionCopyMapping<T>(
    Func<PredictionCatalogEntry, T> FromCatalog,
    Func<PredictionRegisteredNotice, T> FromRegistration,
    Action<T, PredictionRewordedNotice> Reword) where T : class, IPredictionCopy;

/// <summary>Keeps a service's copies current from the Tracker's notices, by the rule of <see cref="PredictionCopies"/>.</summary>
public sealed class PredictionCopyConsumer<T>(IDocumentSession session, PredictionCopyMapping<T> mapping)
    : IConsumer<PredictionRegisteredNotice>, IConsumer<PredictionRewordedNotice> where T : class, IPredictionCopy
{
    public async Task Consume(ConsumeContext<PredictionRegisteredNotice> context)
    {
        var known = await session.LoadAsync<T>(context.Message.PredictionId, context.CancellationToken);
        // Redeliveries and notices overtaken by the start-up catalog carry a version already held.
        if (!PredictionCopies.Replaces(known, context.Message.Version))
        {
            return;
        }
        session.Store(mapping.FromRegistration(context.Message));
        await session.SaveChangesAsync(context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<PredictionRewordedNotice> context)
    {
        var known = await session.LoadAsync<T>(context.Message.PredictionId, context.CancellationToken);
        if (known is null || !PredictionCopies.Updates(known, context.Message.Version))
        {
            return;
        }
        mapping.Reword(known, context.Message);
        session.Store(known);
        await session.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>The start-up catalog request, bound from Predictions:Catalog.</summary>
public sealed class PredictionCatalogOptions
{
    public const string Section = "Predictions:Catalog";
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first wait after a failed request; each later one doubles, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a request waits for the Tracker when asked about predictions not yet heard of.</summary>
    public TimeSpan LookupTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// The one rule for every local copy of the predictions. Registrations and catalog entries carry the
/// whole prediction and replace an older copy; a reword changes only the wording, so it updates a copy
/// we hold and is ignored for one we do not (the registration or the catalog brings the whole prediction;
/// a partial copy stored now would make that later registration look stale and lose its tags and terms).
/// </summary>
public static class PredictionCopies
{
    public static bool Replaces(IPredictionCopy? known, long version) => known is null || known.Version < version;

    public static bool Updates(IPredictionCopy? known, long version) => known is not null && known.Version < version;

    /// <summary>
    /// Keeps <typeparamref name="T"/> documents as the service's copy of the predictions: the mapping for
    /// <see cref="PredictionCopyConsumer{T}"/>, and the Tracker's catalog loaded at start-up (events the Tracker
    /// published before this service's queue existed never reached it). The caller registers the consumer on
    /// its endpoint and the request client (<c>x.AddRequestClient&lt;GetPredictionCatalog&gt;()</c>).
    /// </summary>
    public static IHostApplicationBuilder AddPredictionCopies<T>(this IHostApplicationBuilder builder, PredictionCopyMapping<T> mapping)
        where T : class, IPredictionCopy => builder.AddPredictionCopies(_ => mapping);

    /// <summary>The same, for a mapping that needs services (e.g. Ingestion's sentence encoder).</summary>
    public static IHostApplicationBuilder AddPredictionCopies<T>(this IHostApplicationBuilder builder, Func<IServiceProvider, PredictionCopyMapping<T>> mapping)
        where T : class, IPredictionCopy
    {
        builder.Services.AddSingleton<PredictionCopyMapping<T>>(sp => mapping(sp));
        builder.Services.AddOptions<PredictionCatalogOptions>().BindConfiguration(PredictionCatalogOptions.Section)
            .Validate(o => o.RequestTimeout > TimeSpan.Zero && o.RetryDelay > TimeSpan.Zero && o.RetryMaxDelay >= o.RetryDelay && o.LookupTimeout > TimeSpan.Zero,
                $"{PredictionCatalogOptions.Section}: RequestTimeout, RetryDelay and LookupTimeout must be positive, RetryMaxDelay at least RetryDelay")
            .ValidateOnStart();
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<PredictionCatalogLoader<T>>(sp, sp.GetRequiredService<PredictionCopyMapping<T>>().FromCatalog));
        builder.Services.AddScoped<PredictionCopyLookup<T>>();
        return builder;
    }

    /// <summary>Stores every catalog entry that is new or newer than the copy held; returns how many.</summary>
    public static async Task<int> StoreAsync<T>(IDocumentStore store, PredictionCatalog catalog, Func<PredictionCatalogEntry, T> copy,
        CancellationToken cancellationToken) where T : class, IPredictionCopy
    {
        await using var session = store.LightweightSession();
        var ids = catalog.Predictions.Select(p => p.PredictionId).ToArray();
        var known = (await session.LoadManyAsync<T>(cancellationToken, ids)).ToDictionary(p => p.Id);
        var stored = 0;
        foreach (var entry in catalog.Predictions.Where(e => Replaces(known.GetValueOrDefault(e.PredictionId), e.Version)))
        {
            session.Store(copy(entry));
            stored++;
        }
        await session.SaveChangesAsync(cancellationToken);
        return stored;
    }
}

/// <summary>
/// Asks the Tracker about predictions this service has not heard of yet and stores the copies it gets:
/// a client that registers a prediction and links a statement to it a millisecond later must not be
/// told the prediction is unknown because the registration's notice is still on its way.
/// </summary>
public sealed class PredictionCopyLookup<T>(
    IRequestClient<GetPredictionCatalog> client,
    IDocumentStore store,
    PredictionCopyMapping<T> mapping,
    IOptions<PredictionCatalogOptions> options,
    TimeProvider clock,
    ILogger<PredictionCopyLookup<T>> logger) where T : class, IPredictionCopy
{
    /// <summary>The ids among <paramref name="missing"/> the Tracker knows, now stored as copies.</summary>
    public async Task<IReadOnlySet<string>> FetchAsync(IReadOnlyCollection<string> missing, CancellationToken cancellationToken)
    {
        if (missing.Count == 0)
        {
            return new HashSet<string>();
        }
        try
        {
            var response = await client.GetResponse<PredictionCatalog>(new GetPredictionCatalog(clock.GetUtcNow(), [.. missing]), cancellationToken,
                RequestTimeout.After(ms: (int)options.Value.LookupTimeout.TotalMilliseconds));
            await PredictionCopies.StoreAsync(store, response.Message, mapping.FromCatalog, cancellationToken);
            return response.Message.Predictions.Select(p => p.PredictionId).Where(missing.Contains).ToHashSet();
        }
        catch (RequestTimeoutException)
        {
            // The Tracker does not answer: what this service holds is all it can vouch for.
            logger.LogWarning("The Tracker did not answer about {Count} unknown predictions within {Timeout}", missing.Count, options.Value.LookupTimeout);
            return new HashSet<string>();
        }
    }
}

/// <summary>Asks the Tracker for its catalog until it answers, waiting longer after each failure.</summary>
public sealed class PredictionCatalogLoader<T>(
    IServiceScopeFactory scopes,
    IDocumentStore store,
    IOptions<PredictionCatalogOptions> options,
    TimeProvider clock,
    ILogger<PredictionCatalogLoader<T>> logger,
    Func<PredictionCatalogEntry, T> copy) : BackgroundService where T : class, IPredictionCopy
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = options.Value.RetryDelay;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                using var scope = scopes.CreateScope();
                var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetPredictionCatalog>>();
                var response = await client.GetResponse<PredictionCatalog>(
                    new GetPredictionCatalog(clock.GetUtcNow()), stoppingToken, RequestTimeout.After(ms: (int)options.Value.RequestTimeout.TotalMilliseconds));
                var stored = await PredictionCopies.StoreAsync(store, response.Message, copy, stoppingToken);
                logger.LogInformation("Prediction catalog loaded: {Count} predictions, {Stored} new or newer", response.Message.Predictions.Count, stored);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Prediction catalog not loaded yet (attempt {Attempt}): {Reason}; retrying in {Delay}", attempt, ex.Message, delay);
            }
            try
            {
                await Task.Delay(delay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = delay * 2 < options.Value.RetryMaxDelay ? delay * 2 : options.Value.RetryMaxDelay;
        }
    }
}
