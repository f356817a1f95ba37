using PolicyTracker.Ingestion.Statements;
using PolicyTracker.Ingestion.Feeds;

namespace PolicyTracker.Ingestion.Tests.Decisions;

/// <summary>Ids already stored (developments in the Tracker, feeds here) must not change when the code that makes them does.</summary>
public class DeterministicIdTests
{
    [Fact]
    public void A_development_keeps_its_id_for_the_same_statement_and_prediction()
    {
        DevelopmentIds.For(new Guid("3f2504e0-4f89-41d3-9a0c-0305e82c3301"), "iran-deal")
            .ShouldBe(new Guid("5288ed9a-db47-5e7e-8a31-c4a0c5b770b8"));
    }

    [Fact]
    public void A_feed_keeps_its_id_for_the_same_normalised_url()
    {
        Feed.IdFor("https://example.org/rss").ShouldBe(new Guid("34988556-899c-d0d7-e592-fe8ecb4ba9cb"));
    }
}
