using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using PolicyTracker.Testing;
using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

public sealed class RoleTests(Dashboard dashboard)
{
    [Fact]
    public Task An_auditor_sees_valid_and_broken_after_a_direct_sql_edit_of_an_event() => Ui.Run(dashboard, async ui =>
    {
        var id = await Predictions.RegisterAsync(dashboard, "audit");
        await Predictions.LogDevelopmentAsync(dashboard, id, "supports", "weak", "2021-01-01", "The original summary");
        await Predictions.LogDevelopmentAsync(dashboard, id, "undermines", "weak", "2022-01-01", "A later development");
        await ui.SignInAsync("auditor-dev-key");

        await ui.Page.GotoAsync($"/predictions/{id}/audit");
        await Expect(ui.Page.Locator("[data-integrity]")).ToHaveAttributeAsync("data-integrity", "valid");
        await Expect(ui.Page.Locator("tr[data-version]")).ToHaveCountAsync(3);

        await using (var connection = new NpgsqlConnection(dashboard.Infrastructure.PostgresConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var update = new NpgsqlCommand(
                "update tracker.mt_events set data = jsonb_set(data, '{summary}', '\"rewritten history\"') where stream_id = @id and version = 2", connection);
            update.Parameters.AddWithValue("id", id);
            (await update.ExecuteNonQueryAsync(TestContext.Current.CancellationToken)).ShouldBe(1);
        }

        await ui.Page.ReloadAsync();
        await Expect(ui.Page.Locator("[data-integrity]")).ToHaveAttributeAsync("data-integrity", "broken");
        await Expect(ui.Page.Locator("[data-broken-version]")).ToHaveTextAsync("2");
        await Expect(ui.Page.Locator("tr[data-broken='true']")).ToHaveAttributeAsync("data-version", "2");
    });

    [Fact]
    public Task Role_pages_lead_to_sign_in_and_back_and_show_403_for_the_wrong_role() => Ui.Run(dashboard, async ui =>
    {
        var response = await ui.Page.GotoAsync("/subscriptions");
        ui.Page.Url.ShouldContain("/signin");
        response!.Status.ShouldBe(200);

        await ui.Page.GetByLabel("API key").FillAsync("subscriber-dev-key");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await ui.Page.WaitForURLAsync(url => url.EndsWith("/subscriptions"));
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Subscriptions", Exact = true })).ToBeVisibleAsync();

        // A subscriber may not open an auditor's page.
        var forbidden = await ui.Page.GotoAsync("/predictions/iran-deal/audit");
        forbidden!.Status.ShouldBe(403);
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "403 · Not allowed" })).ToBeVisibleAsync();

        await ui.Page.GotoAsync("/signin");
        await ui.Page.GetByLabel("API key").FillAsync("not-a-key");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not known");
    });

    [Fact]
    public Task A_subscriber_creates_a_webhook_subscription_sees_its_secret_once_and_a_new_alert_arrives_live() => Ui.Run(dashboard, async ui =>
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var id = await Predictions.RegisterAsync(dashboard, "alerts");
        await ui.SignInAsync("subscriber-dev-key");
        await ui.Page.GotoAsync("/subscriptions");

        var form = ui.Page.GetByRole(AriaRole.Form, new() { Name = "New subscription" });
        await form.GetByLabel("Channel").SelectOptionAsync("webhook");
        await form.GetByLabel("Webhook URL").FillAsync(receiver.Url().ToString());
        await form.GetByLabel("Prediction ids").FillAsync(id);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create subscription" }).ClickAsync();

        var secret = ui.Page.Locator("[data-secret]");
        await Expect(secret).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^whsec_[A-Za-z0-9+/=]{40,}$"));
        await Expect(ui.Page.Locator("[data-subscription-id]").Filter(new() { HasText = receiver.Url().ToString() })).ToHaveCountAsync(1);
        await ui.Page.GotoAsync("/subscriptions");
        await Expect(ui.Page.Locator("[data-secret]")).ToHaveCountAsync(0);

        // A feed subscription for the same prediction feeds the live panel.
        form = ui.Page.GetByRole(AriaRole.Form, new() { Name = "New subscription" });
        await form.GetByLabel("Channel").SelectOptionAsync("feed");
        await form.GetByLabel("Prediction ids").FillAsync(id);
        await form.GetByLabel("development-logged").CheckAsync();
        await form.GetByRole(AriaRole.Button, new() { Name = "Create subscription" }).ClickAsync();
        await Expect(ui.Page.Locator("[data-subscription-id]").Filter(new() { HasText = "development-logged" })).ToHaveCountAsync(1);
        await Expect(ui.Page.Locator("[data-live-alerts]")).ToHaveAttributeAsync("data-live", "connected");

        await Predictions.LogDevelopmentAsync(dashboard, id, "supports", "moderate", "2023-05-05", "News the subscriber should see live");
        using var subscriber = dashboard.Client("subscriber-dev-key");
        var alert = await Eventually.Get(
            async () => (await subscriber.GetFromJsonAsync<JsonElement[]>("/api/feed"))!.FirstOrDefault(a => a.GetProperty("predictionId").GetString() == id),
            a => a.ValueKind == JsonValueKind.Object,
            "the alert in the subscriber's feed", TimeSpan.FromSeconds(60));
        // From the moment the feed holds the alert, the open page shows it within 2 s without reloading.
        await Expect(ui.Page.Locator($"[data-live-alerts] [data-alert-id='{alert.GetProperty("alertId").GetString()}']"))
            .ToBeVisibleAsync(new() { Timeout = 2_000 });
    });
}
