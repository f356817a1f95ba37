using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.ServiceDefaults.Messaging;

/// <summary>How many partitions a partitioned queue has and which of them this instance takes first (Messaging:Partitions).</summary>
public sealed class PartitionOptions
{
    public const string Section = "Messaging:Partitions";

    /// <summary>Partition queues per partitioned queue. Every instance and every sender must agree: it shapes the hash ring.</summary>
    public int Count { get; set; } = 8;

    /// <summary>This instance's number among <see cref="Instances"/> (0-based): it consumes partitions p with p % Instances == Instance at once.</summary>
    public int Instance { get; set; }

    public int Instances { get; set; } = 1;

    /// <summary>
    /// A name ending in "-&lt;n&gt;" (a Kubernetes StatefulSet pod's, from the downward API) sets <see cref="Instance"/> to n mod
    /// <see cref="Instances"/>, so replicas of one pod template take different partitions first.
    /// </summary>
    public string? InstanceName { get; set; }

    /// <summary>How long an instance waits before it also registers (as a standby) on the other instances' partitions.</summary>
    public TimeSpan TakeoverDelay { get; set; } = TimeSpan.FromSeconds(30);

    public bool Prefers(int partition) => partition % Instances == Ordinal;

    private int Ordinal =>
        InstanceName is { } name && name.LastIndexOf('-') is var dash and >= 0 && int.TryParse(name[(dash + 1)..], out var n) && n >= 0
            ? n % Instances
            : Instance;
}

/// <summary>
/// Per-prediction order across instances, with RabbitMQ's own tools: a consistent-hash exchange keyed by
/// the prediction id (the routing key) feeds <see cref="PartitionOptions.Count"/> quorum queues, each with
/// single-active-consumer. One prediction always lands on one partition and one consumer at a time takes
/// each partition, in queue order; different partitions run in parallel and on different instances. When
/// an instance dies, RabbitMQ hands each of its partitions to a waiting consumer of another instance.
/// </summary>
public sealed record PartitionedQueue(string Name, params string[] SourceExchanges)
{
    /// <summary>Each binding's weight: its share of the hash ring. Many points per partition spread predictions evenly.</summary>
    public const string Weight = "100";

    public const string ExchangeType = "x-consistent-hash";

    public string Exchange => $"{Name}-by-prediction";

    public string Queue(int partition) => $"{Name}-{partition}";

    public static void ConfigureQueue(IRabbitMqQueueConfigurator queue)
    {
        queue.SetQuorumQueue();
        queue.SingleActiveConsumer = true;
    }

    /// <summary>The message type exchange name MassTransit uses for <typeparamref name="T"/> (its default entity name).</summary>
    public static string MessageExchange<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";
}

/// <summary>A partitioned queue a service consumes, with what each partition's endpoint runs.</summary>
public sealed record PartitionedEndpoint(PartitionedQueue Queue, Action<IRegistrationContext, IRabbitMqReceiveEndpointConfigurator> Configure);

public static class PredictionPartitions
{
    /// <summary>The Tracker's commands: Ingestion publishes LogDevelopment to this partitioned queue.</summary>
    public static readonly PartitionedQueue LogDevelopment = new(TrackerEndpoints.LogDevelopment);

    /// <summary>
    /// Registers a partitioned queue the service consumes: partition endpoints this instance prefers start with
    /// the bus, the rest after <see cref="PartitionOptions.TakeoverDelay"/> as standbys (see <see cref="PartitionTakeover"/>).
    /// The consumers must be excluded from ConfigureEndpoints; <paramref name="configure"/> configures them on each partition.
    /// </summary>
    public static IHostApplicationBuilder AddPartitionedEndpoint(this IHostApplicationBuilder builder, PartitionedQueue queue,
        Action<IRegistrationContext, IRabbitMqReceiveEndpointConfigurator> configure)
    {
        builder.Services.AddSingleton(new PartitionedEndpoint(queue, configure));
        return builder;
    }

    /// <summary>Send and publish topology every service shares: the routing key of per-prediction traffic is the prediction id.</summary>
    public static void ConfigureTopology(IRabbitMqBusFactoryConfigurator cfg, PartitionOptions options)
    {
        // LogDevelopment is published to the consistent-hash exchange, which the publisher declares with
        // every partition queue bound, so commands wait in RabbitMQ even before the Tracker first starts.
        cfg.Message<LogDevelopment>(m => m.SetEntityName(LogDevelopment.Exchange));
        cfg.Send<LogDevelopment>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
        cfg.Publish<LogDevelopment>(p =>
        {
            p.ExchangeType = PartitionedQueue.ExchangeType;
            for (var partition = 0; partition < options.Count; partition++)
            {
                p.BindQueue(LogDevelopment.Exchange, LogDevelopment.Queue(partition), b =>
                {
                    // The binding declares the exchange too: the same one as the message's, or MassTransit refuses it.
                    b.ExchangeType = PartitionedQueue.ExchangeType;
                    PartitionedQueue.ConfigureQueue(b);
                    b.RoutingKey = PartitionedQueue.Weight;
                });
            }
        });
        // The Tracker's notices: a subscriber's consistent-hash exchange hashes this routing key.
        cfg.Send<PredictionRegisteredNotice>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
        cfg.Send<PredictionRewordedNotice>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
        cfg.Send<PredictionDevelopmentLoggedNotice>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
        cfg.Send<PredictionProbabilityChangedNotice>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
        cfg.Send<PredictionStatusChangedNotice>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
        cfg.Send<PredictionResolvedNotice>(s => s.UseRoutingKeyFormatter(c => c.Message.PredictionId));
    }

    /// <summary>The partitions this instance prefers, as receive endpoints started with the bus.</summary>
    public static void ConfigurePreferredEndpoints(IRabbitMqBusFactoryConfigurator cfg, IBusRegistrationContext context, PartitionOptions options)
    {
        foreach (var endpoint in context.GetServices<PartitionedEndpoint>())
        {
            for (var partition = 0; partition < options.Count; partition++)
            {
                if (options.Prefers(partition))
                {
                    var p = partition;
                    cfg.ReceiveEndpoint(endpoint.Queue.Queue(p), e => ConfigurePartition(e, context, endpoint, options));
                }
            }
        }
    }

    internal static void ConfigurePartition(IRabbitMqReceiveEndpointConfigurator endpoint, IRegistrationContext context,
        PartitionedEndpoint partitioned, PartitionOptions options)
    {
        // No binding of the endpoint's own: the hash ring must be the same whoever declares it, so every
        // partition's binding is declared at once by DeclarePartitionsFilter (and by publishers).
        endpoint.ConfigureConsumeTopology = false;
        PartitionedQueue.ConfigureQueue(endpoint);
        endpoint.ConfigureChannel(channel => channel.UseFilter(new DeclarePartitionsFilter(partitioned.Queue, options.Count)));
        partitioned.Configure(context, endpoint);
    }
}

/// <summary>
/// Declares a partitioned queue's whole topology on a partition endpoint's channel, before it consumes: the
/// consistent-hash exchange, every partition queue and its binding, and last the bindings from the source
/// exchanges, so no message enters the exchange before its ring is complete (a ring that grows later would
/// move predictions to another partition while older messages of theirs still wait in the first one).
/// Declarations are idempotent; RabbitMQ keeps one binding per exchange, queue and key.
/// </summary>
internal sealed class DeclarePartitionsFilter(PartitionedQueue queue, int count) : IFilter<ChannelContext>
{
    public async Task Send(ChannelContext context, IPipe<ChannelContext> next)
    {
        var channel = context.Channel;
        await channel.ExchangeDeclareAsync(queue.Exchange, PartitionedQueue.ExchangeType, durable: true, autoDelete: false);
        for (var partition = 0; partition < count; partition++)
        {
            await channel.QueueDeclareAsync(queue.Queue(partition), durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum", ["x-single-active-consumer"] = true });
            await channel.QueueBindAsync(queue.Queue(partition), queue.Exchange, PartitionedQueue.Weight);
        }
        foreach (var source in queue.SourceExchanges)
        {
            await channel.ExchangeDeclareAsync(source, "fanout", durable: true, autoDelete: false);
            await channel.ExchangeBindAsync(queue.Exchange, source, "");
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("declarePartitions");
}

/// <summary>
/// After <see cref="PartitionOptions.TakeoverDelay"/>, registers this instance on the partitions other instances
/// prefer too. RabbitMQ keeps it waiting (single active consumer) while their owner lives and makes it the active
/// consumer when the owner goes; the delay lets every instance started together take its own share first.
/// </summary>
public sealed class PartitionTakeover(IReceiveEndpointConnector connector, IEnumerable<PartitionedEndpoint> endpoints,
    IOptions<PartitionOptions> options, ILogger<PartitionTakeover> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var others = endpoints.SelectMany(e => Enumerable.Range(0, o.Count).Where(p => !o.Prefers(p)).Select(p => (Endpoint: e, Partition: p))).ToList();
        if (others.Count == 0)
        {
            return;
        }
        await Task.Delay(o.TakeoverDelay, stoppingToken);
        foreach (var (endpoint, partition) in others)
        {
            var handle = connector.ConnectReceiveEndpoint(endpoint.Queue.Queue(partition), (context, e) =>
            {
                if (e is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    PredictionPartitions.ConfigurePartition(rabbit, context, endpoint, o);
                }
            });
            await handle.Ready.WaitAsync(stoppingToken);
        }
        logger.LogInformation("Standing by on {Count} partitions preferred by other instances", others.Count);
    }
}
