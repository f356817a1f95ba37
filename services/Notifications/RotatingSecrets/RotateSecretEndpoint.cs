using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Subscriptions;

namespace PolicyTracker.Notifications.RotatingSecrets;

public sealed record RotatedSecret(string Secret);

public static class RotateSecretEndpoint
{
    public static RouteGroupBuilder MapRotateSecret(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapPost("{id:guid}/rotate-secret", Handle)
            .WithSummary("Rotate a webhook secret")
            .WithDescription("Answers the new secret; the previous one keeps signing beside it for the overlap (Webhooks:SecretRotationOverlap) so receivers can switch.");
        return subscriptions;
    }

    public static async Task<Results<Ok<RotatedSecret>, NotFound, ValidationProblem>> Handle(
        Guid id, HttpContext http, IDocumentSession session, WebhookSecrets secrets, IOptions<WebhookOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await SubscriptionEndpoints.OwnAsync(session, id, http, cancellationToken) is not { } subscription)
        {
            return TypedResults.NotFound();
        }
        if (subscription.Channel.Type != ChannelTypes.Webhook)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["channel.type"] = ["Only webhook subscriptions have a secret."] });
        }
        var secret = WebhookSecrets.Generate();
        subscription.Secrets = SecretRotation.Rotate(subscription.Secrets, secrets.Encrypt(secret), time.GetUtcNow(), options.Value.SecretRotationOverlap);
        session.Store(subscription);
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new RotatedSecret(secret));
    }
}
