using PolicyTracker.Contracts.Tracker;
using PolicyTracker.ServiceDefaults;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace PolicyTracker.Ingestion.Forwarding;

/// <summary>
/// Makes sure the Tracker's command queue exists before we send to it, declared exactly as the
/// Tracker's own endpoint declares it (a quorum queue behind a fanout exchange of the same name).
/// Sending to "queue:log-development" would let MassTransit declare a classic queue, which RabbitMQ
/// refuses once the Tracker has made it a quorum queue (PRECONDITION_FAILED on x-queue-type), and
/// which would make the Tracker fail if we got there first. So we declare it ourselves and send to
/// the exchange.
/// </summary>
public sealed class TrackerQueue(IConfiguration configuration, ILogger<TrackerQueue> logger)
{
    public static readonly Uri SendAddress = new($"exchange:{TrackerEndpoints.LogDevelopment}");
    private volatile bool _declared;

    public async Task EnsureDeclaredAsync(CancellationToken cancellationToken)
    {
        if (_declared)
        {
            return;
        }
        var name = TrackerEndpoints.LogDevelopment;
        var quorum = configuration.GetValue("Messaging:QuorumQueues", true);
        var factory = new ConnectionFactory { Uri = ConnectionStrings.RabbitMq(configuration) };
        await using var connection = await factory.CreateConnectionAsync("ingestion-topology", cancellationToken);
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
        {
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        }
        try
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
                arguments: quorum ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null,
                cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
        {
            // The Tracker declared it another way (e.g. classic in a test set-up): it exists, which is all we need.
            logger.LogInformation("Queue {Queue} already exists with other arguments; using it as it is", name);
        }
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
        {
            await channel.QueueBindAsync(name, name, "", cancellationToken: cancellationToken);
        }
        _declared = true;
    }
}
