using PolicyTracker.Notifications.Tests.Support;

namespace PolicyTracker.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed class EmailTests(NotificationsFixture fixture)
{
    [Fact]
    public async Task A_status_change_reaches_the_smtp_server_naming_the_prediction_the_move_and_its_cause()
    {
        using var client = fixture.Client();
        var predictionId = NotificationsFixture.NewPredictionId();
        var (subscriptionId, secret) = await NotificationsFixture.SubscribeAsync(client, new { type = "email", address = "alerts@example.org" }, new { predictionIds = new[] { predictionId } });
        secret.ShouldBeNull();

        await fixture.PublishAsync(NotificationsFixture.StatusChanged(predictionId));

        await Eventually.True(() => Task.FromResult(fixture.Smtp.Output.Contains(predictionId)), "the email at the SMTP server");
        var output = fixture.Smtp.Output;
        output.ShouldContain("alerts@example.org");
        output.ShouldContain($"Subject: [PolicyTracker] Title of {predictionId}");
        output.ShouldContain("text/plain");
        output.ShouldContain("text/html");
        output.ShouldContain("Moscow stops honouring the JCPOA");
        await Eventually.True(async () => (await NotificationsFixture.DeliveriesAsync(client, subscriptionId)) is [var d] && d.GetProperty("state").GetString() == "delivered",
            "the email delivery to be recorded as delivered");
    }
}
