using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.ServiceDefaults.Authentication;
using PolicyTracker.ServiceDefaults.Networking;

namespace PolicyTracker.Notifications.Subscribing;

public static class SubscribeEndpoint
{
    public static RouteGroupBuilder MapSubscribe(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapPost("", Handle)
            .WithSummary("Subscribe")
            .WithDescription("A webhook, e-mail or feed subscription with a filter (prediction ids, tags, event types, probability thresholds to cross, a minimum probability change); a webhook subscription answers its signing secret once.");
        return subscriptions;
    }

    public static async Task<Results<Created<SubscribeResponse>, ValidationProblem>> Handle(
        SubscribeRequest? request, HttpContext http, IDocumentSession session, WebhookSecrets secrets,
        IOptions<WebhookOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var (errors, channel, filter) = SubscribeValidation.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        string? secret = null;
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            Owner = http.User.PrincipalName(),
            Channel = channel!,
            Filter = filter!,
            CreatedAt = time.GetUtcNow(),
        };
        if (channel!.Type == ChannelTypes.Webhook)
        {
            if (await NetworkGuard.CheckAsync(new Uri(channel.Url!), options.Value.AllowPrivateNetworks, cancellationToken) is { } refusal)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["channel.url"] = [refusal] });
            }
            secret = WebhookSecrets.Generate();
            subscription.Secrets = [new WebhookSecret(secrets.Encrypt(secret), subscription.CreatedAt, null)];
        }
        session.Store(subscription);
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/subscriptions/{subscription.Id}", new SubscribeResponse(subscription.Id, secret));
    }
}
