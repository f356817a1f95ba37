using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.ServiceDefaults.Authentication;

namespace PolicyTracker.Notifications.Deliveries;

public static class DeliveryEndpoints
{
    public static RouteGroupBuilder MapSubscriptionDeliveries(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapGet("{id:guid}/deliveries", ListForSubscription)
            .WithSummary("A subscription's deliveries")
            .WithDescription("Each delivery with its state (pending, delivered, failed, dead), attempts, last status code and error, and its next attempt.");
        return subscriptions;
    }

    public static IEndpointRouteBuilder MapRedeliver(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/deliveries/{id:guid}/redeliver", Redeliver).RequireAuthorization(Policies.Subscriber).WithTags("Deliveries")
            .WithSummary("Redeliver a dead delivery")
            .WithDescription("Puts it back at the start of the retry schedule with the same webhook-id; 409 unless it is dead.");
        return app;
    }

    public static async Task<Results<Ok<List<DeliveryResponse>>, NotFound>> ListForSubscription(
        Guid id, HttpContext http, IQuerySession session, CancellationToken cancellationToken)
    {
        if (await SubscriptionEndpoints.OwnAsync(session, id, http, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }
        var deliveries = await session.Query<Delivery>().Where(d => d.SubscriptionId == id)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Version).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(deliveries.Select(DeliveryResponse.From).ToList());
    }

    /// <summary>A dead delivery goes out again from the start of the schedule, with the same webhook-id.</summary>
    public static async Task<Results<Accepted, NotFound, ProblemHttpResult>> Redeliver(
        Guid id, HttpContext http, IDocumentSession session, TimeProvider time, DeliveryWakeup wakeup, CancellationToken cancellationToken)
    {
        if (await session.LoadAsync<Delivery>(id, cancellationToken) is not { } delivery || delivery.Owner != http.User.PrincipalName())
        {
            return TypedResults.NotFound();
        }
        if (delivery.State != DeliveryStates.Dead)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not dead",
                detail: $"Only a dead delivery can be redelivered; this one is {delivery.State}.");
        }
        delivery.State = DeliveryStates.Pending;
        delivery.Attempts = 0;
        delivery.NextAttemptAt = time.GetUtcNow();
        delivery.ClaimedUntil = null;
        session.Store(delivery);
        await session.SaveChangesAsync(cancellationToken);
        wakeup.Signal();
        return TypedResults.Accepted($"/api/deliveries/{id}");
    }
}
