using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.Feed;

namespace PolicyTracker.Notifications.Tests.Decisions;

/// <summary>Ids already stored (deliveries, feed streams) must not change when the code that makes them does.</summary>
public sealed class DeterministicIdTests
{
    [Fact]
    public void A_delivery_keeps_its_id_for_the_same_event_and_subscription()
    {
        Delivery.IdFor(new Guid("0d9e1f3a-5b2c-4d7e-8f90-a1b2c3d4e5f6"), new Guid("7c9e6679-7425-40de-944b-e07fc1f90ae7"))
            .ShouldBe(new Guid("df9f1a93-f2c1-7286-85cc-dc78730660a5"));
    }

    [Fact]
    public void A_feed_stream_keeps_its_id_for_the_same_owner()
    {
        FeedStreams.For("dev-analyst").ShouldBe(new Guid("b769b7b6-8d5a-6c84-9cef-3d46a0afb157"));
    }
}
