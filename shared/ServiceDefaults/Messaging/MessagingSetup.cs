using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PolicyTracker.ServiceDefaults.Persistence;

namespace PolicyTracker.ServiceDefaults.Messaging;

public static class MessagingSetup
{
    /// <summary>
    /// MassTransit on RabbitMQ from the named connection string "rabbitmq" (amqp://user:pass@host:port/vhost),
    /// kebab-case endpoints, quorum queues. The bus health check is tagged "ready" by MassTransit.
    /// With Messaging:ClusterNodes ("host:port,host:port,...") the bus knows every node of a RabbitMQ cluster
    /// and reconnects to another one when its node goes. Partitioned queues (<see cref="PredictionPartitions"/>)
    /// registered with AddPartitionedEndpoint get their partition endpoints here.
    /// Registers the service's <see cref="ConsumptionGate"/>: endpoints opt in with <see cref="UseOutageGate"/>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceMessaging(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> configure)
    {
        builder.Services.AddOptions<ConsumptionGateOptions>().BindConfiguration(ConsumptionGateOptions.Section);
        builder.Services.AddSingleton<ConsumptionGate>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConsumptionGate>());
        var uri = ConnectionStrings.RabbitMq(builder.Configuration);
        var quorum = builder.Configuration.GetValue("Messaging:QuorumQueues", true);
        var clusterNodes = (builder.Configuration["Messaging:ClusterNodes"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.Services.AddOptions<PartitionOptions>().BindConfiguration(PartitionOptions.Section)
            .Validate(o => o.Count >= 1 && o.Instances >= 1 && o.Instance >= 0 && o.Instance < o.Instances && o.TakeoverDelay >= TimeSpan.Zero,
                $"{PartitionOptions.Section}: Count and Instances must be at least 1, Instance in 0..Instances-1, TakeoverDelay not negative")
            .ValidateOnStart();
        builder.Services.AddHostedService<PartitionTakeover>();
        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            configure(x);
            x.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                if (quorum && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                }
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                // MassTransit reads host, port, vhost and the escaped user name and password from the URI itself.
                cfg.Host(uri, h =>
                {
                    if (uri.Scheme == "amqps")
                    {
                        h.UseSsl(_ => { });
                    }
                    if (clusterNodes.Length > 0)
                    {
                        h.UseCluster(c =>
                        {
                            foreach (var node in clusterNodes)
                            {
                                c.Node(node);
                            }
                        });
                    }
                });
                var partitions = context.GetRequiredService<IOptions<PartitionOptions>>().Value;
                PredictionPartitions.ConfigureTopology(cfg, partitions);
                PredictionPartitions.ConfigurePreferredEndpoints(cfg, context, partitions);
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>
    /// Waits out a PostgreSQL outage of any length in place instead of failing messages into `_error`:
    /// brief retries for a message's own faults, outages ignored by them and held by the gate inside.
    /// </summary>
    public static void UseOutageGate(this IReceiveEndpointConfigurator endpoint, IRegistrationContext context)
    {
        endpoint.UseMessageRetry(r =>
        {
            r.Ignore<Exception>(DatabaseOutage.IsOutage);
            r.Exponential(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500));
        });
        endpoint.UseFilter(new OutageGateFilter(context.GetRequiredService<ConsumptionGate>()));
    }
}
