using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using PolicyTracker.ServiceDefaults.Authentication;

namespace PolicyTracker.Notifications.Subscriptions;

/// <summary>A subscriber sees and changes only its own subscriptions: another's id is 404.</summary>
public static class SubscriptionEndpoints
{
    public static RouteGroupBuilder MapSubscriptions(this RouteGroupBuilder subscriptions)
    {
        subscriptions.MapGet("", List)
            .WithSummary("List my subscriptions")
            .WithDescription("The caller's subscriptions, active or disabled (with the reason).");
        subscriptions.MapGet("{id:guid}", Get)
            .WithSummary("Get a subscription")
            .WithDescription("One of the caller's subscriptions; another subscriber's is 404.");
        subscriptions.MapDelete("{id:guid}", Delete)
            .WithSummary("Delete a subscription")
            .WithDescription("Stops deliveries to it: the worker marks its unsettled deliveries dead when it reaches them.");
        return subscriptions;
    }

    public static async Task<Ok<List<SubscriptionResponse>>> List(HttpContext http, IQuerySession session, CancellationToken cancellationToken)
    {
        var owner = http.User.PrincipalName();
        var mine = await session.Query<Subscription>().Where(s => s.Owner == owner).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(mine.Select(SubscriptionResponse.From).ToList());
    }

    public static async Task<Results<Ok<SubscriptionResponse>, NotFound>> Get(Guid id, HttpContext http, IQuerySession session, CancellationToken cancellationToken) =>
        await OwnAsync(session, id, http, cancellationToken) is { } s ? TypedResults.Ok(SubscriptionResponse.From(s)) : TypedResults.NotFound();

    public static async Task<Results<NoContent, NotFound>> Delete(Guid id, HttpContext http, IDocumentSession session, CancellationToken cancellationToken)
    {
        if (await OwnAsync(session, id, http, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }
        session.Delete<Subscription>(id);
        session.DeleteWhere<FanningOut.ProbabilityBaseline>(b => b.SubscriptionId == id);
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Subscription?> OwnAsync(IQuerySession session, Guid id, HttpContext http, CancellationToken cancellationToken) =>
        await session.LoadAsync<Subscription>(id, cancellationToken) is { } s && s.Owner == http.User.PrincipalName() ? s : null;
}
