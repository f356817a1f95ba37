using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PolicyTracker.ServiceDefaults.Messaging;

public static class MessagingSetup
{
    /// <summary>
    /// MassTransit on RabbitMQ from the named connection string "rabbitmq" (amqp://user:pass@host:port/vhost),
    /// kebab-case endpoints, quorum queues. The bus health check is tagged "ready" by MassTransit.
    /// </summary>
    public static IHostApplicationBuilder AddServiceMessaging(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> configure)
    {
        var uri = ConnectionStrings.RabbitMq(builder.Configuration);
        var quorum = builder.Configuration.GetValue("Messaging:QuorumQueues", true);
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
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
