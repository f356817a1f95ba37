using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

public sealed class AnalystPagesTests(Dashboard dashboard)
{
    [Fact]
    public Task A_400_from_the_api_shows_its_field_error_next_to_the_field() => Ui.Run(dashboard, async ui =>
    {
        await ui.SignInAsync("analyst-dev-key");
        await ui.Page.GotoAsync("/feeds");
        var form = ui.Page.GetByRole(AriaRole.Form, new() { Name = "Add feed" });
        await form.GetByLabel("Feed URL").FillAsync("ftp://example.org/feed.xml");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add feed" }).ClickAsync();

        await Expect(ui.Page.GetByRole(AriaRole.Form, new() { Name = "Add feed" }).Locator(".field-error")).ToContainTextAsync("http or https URL");
        await Expect(ui.Page.GetByRole(AriaRole.Form, new() { Name = "Add feed" }).GetByLabel("Feed URL")).ToHaveValueAsync("ftp://example.org/feed.xml");
    });

    [Fact]
    public Task A_csv_upload_reports_what_was_accepted_and_each_rejected_row() => Ui.Run(dashboard, async ui =>
    {
        await ui.SignInAsync("analyst-dev-key");
        await ui.Page.GotoAsync("/statements/new");
        var csv = $"text,publishedAt,sourceUrl\nMoscow and Kyiv trade accusations over the cease-fire line {Guid.NewGuid():N},2024-03-01,https://example.org/upload/{Guid.NewGuid():N}\n,2024-03-02,\n";
        await ui.Page.GetByLabel("Statements file").SetInputFilesAsync(new FilePayload { Name = "statements.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(csv) });
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Upload" }).ClickAsync();

        var result = ui.Page.Locator("[data-batch-accepted]");
        await Expect(result).ToHaveAttributeAsync("data-batch-accepted", "1");
        await Expect(result).ToHaveAttributeAsync("data-batch-rejected", "1");
        await Expect(ui.Page.Locator("[data-rejected-index='1']")).ToContainTextAsync("text");
    });

    [Fact]
    public Task Signing_out_leaves_only_the_public_pages() => Ui.Run(dashboard, async ui =>
    {
        await ui.SignInAsync("analyst-dev-key");
        await ui.Page.GotoAsync("/triage");
        await Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Triage", Exact = true })).ToBeVisibleAsync();
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(ui.Page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();

        await ui.Page.GotoAsync("/triage");
        ui.Page.Url.ShouldContain("/signin");
    });
}
