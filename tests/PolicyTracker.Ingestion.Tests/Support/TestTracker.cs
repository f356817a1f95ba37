using System.Collections.Concurrent;
using MassTransit;
using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults.Messaging;
using PolicyTracker.Testing;

namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>
/// Stands in for the Tracker on the test's own vhost of the real RabbitMQ: receives the
/// LogDevelopment commands Ingestion publishes to the partitions log-development-0..N-1 and answers GetPredictionCatalog.
/// </summary>
public sealed class TestTracker : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly ConcurrentDictionary<string, PredictionCatalogEntry> _catalog = new();
    public ConcurrentQueue<ConsumeContext<LogDevelopment>> Received { get; } = new();
    public int CatalogRequests;

    private TestTracker(IBusControl bus) => _bus = bus;

    /// <summary>A prediction the Tracker now knows but has published no notice of (its registration is still on the way).</summary>
    public void Knows(PredictionCatalogEntry entry) => _catalog[entry.PredictionId] = entry;

    private PredictionCatalog Answer(IReadOnlyList<string>? ids) =>
        new([.. _catalog.Values.Where(e => ids is null || ids.Contains(e.PredictionId)).OrderBy(e => e.PredictionId)]);

    public IBus Bus => _bus;

    public static async Task<TestTracker> StartAsync(IsolatedInfrastructure infrastructure, IReadOnlyList<PredictionCatalogEntry> catalog, bool consumeCommands = true, bool answerCatalog = true)
    {
        TestTracker? tracker = null;
        var uri = new Uri(infrastructure.RabbitConnectionString);
        var credentials = uri.UserInfo.Split(':');
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(uri.Host, (ushort)uri.Port, uri.AbsolutePath.TrimStart('/'), h =>
            {
                h.Username(Uri.UnescapeDataString(credentials[0]));
                h.Password(Uri.UnescapeDataString(credentials[1]));
            });
            // The partitions as the real Tracker declares them: quorum, single active consumer, bound by the publisher.
            if (consumeCommands)
            {
                for (var partition = 0; partition < new PartitionOptions().Count; partition++)
                {
                    cfg.ReceiveEndpoint(PredictionPartitions.LogDevelopment.Queue(partition), e =>
                    {
                        e.ConfigureConsumeTopology = false;
                        PartitionedQueue.ConfigureQueue(e);
                        e.Handler<LogDevelopment>(context =>
                        {
                            tracker!.Received.Enqueue(context);
                            return Task.CompletedTask;
                        });
                    });
                }
            }
            if (answerCatalog)
            {
                cfg.ReceiveEndpoint("test-tracker-catalog", e => e.Handler<GetPredictionCatalog>(async context =>
                {
                    Interlocked.Increment(ref tracker!.CatalogRequests);
                    await context.RespondAsync(tracker!.Answer(context.Message.PredictionIds));
                }));
            }
        });
        tracker = new TestTracker(bus);
        foreach (var entry in catalog)
        {
            tracker.Knows(entry);
        }
        await bus.StartAsync();
        return tracker;
    }

    public IReadOnlyList<LogDevelopment> For(Guid statementId) =>
        [.. Received.Select(r => r.Message).Where(m => m.StatementId == statementId)];

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
