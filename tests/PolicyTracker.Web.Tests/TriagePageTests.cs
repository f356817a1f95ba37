using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using PolicyTracker.Testing;
using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

/// <summary>The triage page's second tab: statements the matcher found no prediction for are listed, not lost.</summary>
public sealed class TriagePageTests(Dashboard dashboard)
{
    /// <summary>Submits a statement about nothing tracked and waits until the matcher has moved it to triage.</summary>
    private async Task<string> SubmitUnrelatedAsync()
    {
        var text = $"The village bakery won the regional sourdough contest for the third year running ({Guid.NewGuid():N}).";
        using var analyst = dashboard.Client("analyst-dev-key");
        var response = await analyst.PostAsJsonAsync("/api/statements", new
        {
            text,
            publishedAt = "2024-05-04T10:00:00Z",
            source = new { url = $"https://bakery.example.org/{Guid.NewGuid():N}", title = "Village news", publisher = "Village news" },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.True(async () =>
        {
            var listed = await analyst.GetFromJsonAsync<JsonElement>("/api/triage?suggested=false&limit=1000");
            return listed.EnumerateArray().Any(s => s.GetProperty("text").GetString() == text);
        }, "the unrelated statement listed among those without suggestions", TimeSpan.FromSeconds(60));
        return text;
    }

    [Fact]
    public async Task A_statement_without_suggestions_is_on_the_second_tab_reached_with_the_keyboard()
    {
        var text = await SubmitUnrelatedAsync();
        await Ui.Run(dashboard, async ui =>
        {
            await ui.SignInAsync("analyst-dev-key");
            await ui.Page.GotoAsync("/triage");
            var tabs = ui.Page.GetByRole(AriaRole.Tablist, new() { Name = "Statements awaiting a decision" });
            var suggested = tabs.GetByRole(AriaRole.Tab, new() { Name = "With suggestions" });
            var none = tabs.GetByRole(AriaRole.Tab, new() { Name = "No suggestions" });
            await Expect(suggested).ToHaveAttributeAsync("aria-selected", "true");
            await Expect(ui.Page.Locator("#panel-none")).ToBeHiddenAsync();

            // One tab stop for the tab list; the arrow keys move between tabs and show the chosen panel.
            await suggested.FocusAsync();
            await ui.Page.Keyboard.PressAsync("ArrowRight");
            await Expect(none).ToBeFocusedAsync();
            await Expect(none).ToHaveAttributeAsync("aria-selected", "true");
            await Expect(suggested).ToHaveAttributeAsync("tabindex", "-1");
            var panel = ui.Page.GetByRole(AriaRole.Tabpanel, new() { Name = "No suggestions" });
            await Expect(panel).ToBeVisibleAsync();
            await Expect(panel.GetByRole(AriaRole.Heading, new() { Name = text })).ToBeVisibleAsync();
            await Expect(ui.Page.Locator("#panel-suggested")).ToBeHiddenAsync();
            ui.Page.Url.ShouldEndWith("/triage?tab=none");

            var result = await ui.Page.RunAxe();
            result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")
                .ShouldBeEmpty();

            await ui.Page.Keyboard.PressAsync("Home");
            await Expect(suggested).ToBeFocusedAsync();
            await Expect(ui.Page.GetByRole(AriaRole.Tabpanel, new() { Name = "With suggestions" })).ToBeVisibleAsync();
            ui.ConsoleErrors.ShouldBeEmpty();
        });
    }

    [Fact]
    public async Task The_second_tab_has_its_own_address_that_works_without_scripts()
    {
        var text = await SubmitUnrelatedAsync();
        var context = await dashboard.Browser.NewContextAsync(new() { JavaScriptEnabled = false, BaseURL = dashboard.Gateway.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            await Ui.SignInAsync(page, "analyst-dev-key");

            await page.GotoAsync("/triage");
            await page.GetByRole(AriaRole.Tab, new() { Name = "No suggestions" }).ClickAsync();
            await page.WaitForURLAsync(url => url.EndsWith("/triage?tab=none"));
            await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "No suggestions" })).ToHaveAttributeAsync("aria-selected", "true");
            await Expect(page.GetByRole(AriaRole.Tabpanel, new() { Name = "No suggestions" }).GetByRole(AriaRole.Heading, new() { Name = text })).ToBeVisibleAsync();
        }
        finally
        {
            await context.DisposeAsync();
        }
    }
}
