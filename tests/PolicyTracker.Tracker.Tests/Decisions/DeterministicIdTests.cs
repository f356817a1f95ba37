using PolicyTracker.ServiceDefaults;
using PolicyTracker.Tracker.Publishing;

namespace PolicyTracker.Tracker.Tests.Decisions;

/// <summary>Ids already stored and already published must not change when the code that makes them does.</summary>
public class DeterministicIdTests
{
    [Fact]
    public void V5_matches_the_RFC_9562_test_vector()
    {
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
        DeterministicIds.V5(dns, "www.example.com").ShouldBe(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"));
    }

    [Fact]
    public void The_second_message_of_an_event_keeps_the_id_it_was_published_with()
    {
        IntegrationEventPublisher.Derived(new Guid("0d9e1f3a-5b2c-4d7e-8f90-a1b2c3d4e5f6"), "probability-changed")
            .ShouldBe(new Guid("e0a78493-d645-153f-da7e-47b241c9926c"));
    }
}
