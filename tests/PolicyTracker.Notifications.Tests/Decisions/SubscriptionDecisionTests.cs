using PolicyTracker.Notifications.DeliveringWebhooks;
using PolicyTracker.Notifications.Deliveries;
using PolicyTracker.Notifications.RotatingSecrets;
using PolicyTracker.Notifications.Subscribing;
using PolicyTracker.Notifications.Subscriptions;
using PolicyTracker.ServiceDefaults.Networking;

namespace PolicyTracker.Notifications.Tests.Decisions;

public sealed class SubscriptionDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Given_no_ids_and_no_tags_When_matching_Then_every_prediction_matches_the_default_events()
    {
        var filter = new SubscriptionFilter([], [], NotificationEventTypes.Default);
        filter.Matches("any", [], NotificationEventTypes.StatusChanged).ShouldBeTrue();
        filter.Matches("any", [], NotificationEventTypes.DevelopmentLogged).ShouldBeFalse();
    }

    [Fact]
    public void Given_ids_and_tags_When_matching_Then_either_matches()
    {
        var filter = new SubscriptionFilter(["iran-deal"], ["trade"], NotificationEventTypes.All);
        filter.Matches("iran-deal", [], NotificationEventTypes.Resolved).ShouldBeTrue();
        filter.Matches("tariffs", ["Trade"], NotificationEventTypes.Resolved).ShouldBeTrue();
        filter.Matches("tariffs", ["energy"], NotificationEventTypes.Resolved).ShouldBeFalse();
    }

    [Fact]
    public void Given_a_request_without_events_When_validating_Then_status_changes_and_resolutions_are_chosen()
    {
        var (errors, channel, filter) = SubscribeValidation.Validate(new SubscribeRequest(new ChannelRequest("feed", null, null), null));
        errors.ShouldBeEmpty();
        channel!.Type.ShouldBe(ChannelTypes.Feed);
        filter!.Events.ShouldBe(NotificationEventTypes.Default);
    }

    [Fact]
    public void Given_a_rotation_When_rotating_Then_the_old_secret_signs_until_the_overlap_ends()
    {
        var original = new WebhookSecret("old", Now.AddDays(-10), null);
        var rotated = SecretRotation.Rotate([original], "new", Now, TimeSpan.FromHours(24));
        rotated.Where(s => s.SignsAt(Now.AddHours(23))).Select(s => s.Cipher).ShouldBe(["old", "new"]);
        rotated.Where(s => s.SignsAt(Now.AddHours(25))).Select(s => s.Cipher).ShouldBe(["new"]);
    }

    [Fact]
    public void Given_two_rotations_When_rotating_again_Then_expired_secrets_are_dropped()
    {
        var once = SecretRotation.Rotate([new WebhookSecret("a", Now, null)], "b", Now, TimeSpan.FromHours(1));
        var twice = SecretRotation.Rotate(once, "c", Now.AddHours(2), TimeSpan.FromHours(1));
        twice.Select(s => s.Cipher).ShouldBe(["b", "c"]);
    }

    [Fact]
    public void Given_a_secret_When_encrypted_at_rest_Then_it_decrypts_only_with_the_key()
    {
        var secret = WebhookSecrets.Generate();
        var cipher = new WebhookSecrets(new byte[32]).Encrypt(secret);
        cipher.ShouldNotContain(secret[6..]);
        new WebhookSecrets(new byte[32]).Decrypt(cipher).ShouldBe(secret);
        var otherKey = new byte[32];
        otherKey[0] = 1;
        Should.Throw<System.Security.Cryptography.AuthenticationTagMismatchException>(() => new WebhookSecrets(otherKey).Decrypt(cipher));
    }

    [Fact]
    public void Given_an_event_and_a_subscription_When_deriving_the_delivery_id_Then_it_is_stable_and_distinct()
    {
        var e = Guid.NewGuid();
        var s = Guid.NewGuid();
        Delivery.IdFor(e, s).ShouldBe(Delivery.IdFor(e, s));
        Delivery.IdFor(e, s).ShouldNotBe(Delivery.IdFor(s, e));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.0.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("192.168.0.10", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.251", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("::ffff:192.168.1.1", true)]
    [InlineData("::127.0.0.1", true)]
    [InlineData("64:ff9b::a00:1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fc00::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("2002:7f00:1::", true)]
    [InlineData("93.184.216.34", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946", false)]
    [InlineData("::ffff:93.184.216.34", false)]
    public void Given_an_address_When_guarding_Then_internal_ones_are_forbidden(string address, bool forbidden) =>
        NetworkGuard.IsForbidden(System.Net.IPAddress.Parse(address)).ShouldBe(forbidden);

    [Fact]
    public void Given_a_secret_When_signing_Then_the_standard_webhooks_library_verifies_it()
    {
        var secret = WebhookSecrets.Generate();
        var now = DateTimeOffset.UtcNow;
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary
        {
            ["webhook-id"] = "msg_1",
            ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(),
            ["webhook-signature"] = WebhookSignature.Header("msg_1", now.ToUnixTimeSeconds(), "{\"a\":1}", [secret, Support.NotificationsFixture.OtherSecret]),
        };
        new StandardWebhooks.StandardWebhook(secret).Verify("{\"a\":1}", headers);
    }
}
