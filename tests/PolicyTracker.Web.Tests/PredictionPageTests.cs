using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using PolicyTracker.Testing;
using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

public sealed class PredictionPageTests(Dashboard dashboard)
{
    [Fact]
    public Task The_board_lists_all_eleven_essay_predictions() => Ui.Run(dashboard, async ui =>
    {
        using var anonymous = dashboard.Client();
        var essay = (await anonymous.GetFromJsonAsync<JsonElement[]>("/api/predictions"))!
            .Where(p => !p.GetProperty("tags").EnumerateArray().Any(t => t.GetString() == "browser-test"))
            .Select(p => p.GetProperty("id").GetString()!).ToList();
        essay.Count.ShouldBe(11);

        await ui.Page.GotoAsync("/");

        foreach (var id in essay)
        {
            var card = ui.Page.Locator($"[data-prediction-id='{id}']");
            await Expect(card).ToHaveCountAsync(1);
            await Expect(card.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", $"/predictions/{id}");
        }
        await Expect(ui.Page.Locator("[data-prediction-id='sanctions-relief']")).ToContainTextAsync("Western sanctions on Russia substantially eased");
    });

    [Fact]
    public Task A_resolved_prediction_s_page_embeds_its_ClaimReview_as_JSON_LD_and_an_open_one_does_not() => Ui.Run(dashboard, async ui =>
    {
        var open = await Predictions.RegisterAsync(dashboard, "review-open");
        var resolved = await Predictions.RegisterAsync(dashboard, "review");
        using (var analyst = dashboard.Client("analyst-dev-key"))
        {
            (await analyst.PostAsJsonAsync($"/api/predictions/{resolved}/resolution", new { outcome = "confirmed", rationale = "The browser test says so.", resolvedAt = "2024-05-01" }))
                .EnsureSuccessStatusCode();
        }

        await ui.Page.GotoAsync($"/predictions/{open}");
        await Expect(ui.Page.Locator("script[type='application/ld+json']")).ToHaveCountAsync(0);

        await ui.Page.GotoAsync($"/predictions/{resolved}");
        var script = ui.Page.Locator("head script[type='application/ld+json']");
        await Expect(script).ToHaveCountAsync(1);
        using var review = JsonDocument.Parse(await script.TextContentAsync() ?? "");
        review.RootElement.GetProperty("@type").GetString().ShouldBe("ClaimReview");
        review.RootElement.GetProperty("claimReviewed").GetString().ShouldBe("A claim the browser tests exercise.");
        var url = review.RootElement.GetProperty("url").GetString()!;
        Uri.IsWellFormedUriString(url, UriKind.Absolute).ShouldBeTrue(url);
        url.ShouldEndWith($"/predictions/{resolved}");
        review.RootElement.GetProperty("reviewRating").GetProperty("alternateName").GetString().ShouldBe("confirmed");
        review.RootElement.GetProperty("itemReviewed").GetProperty("datePublished").GetString().ShouldBe("2020-01-01T00:00:00Z");
    });

    [Fact]
    public Task The_scorecard_shows_the_essay_s_and_the_tracker_s_scores_side_by_side() => Ui.Run(dashboard, async ui =>
    {
        var id = await Predictions.RegisterAsync(dashboard, "scored", prior: 0.75);
        using (var analyst = dashboard.Client("analyst-dev-key"))
        {
            (await analyst.PostAsJsonAsync($"/api/predictions/{id}/resolution", new { outcome = "confirmed", rationale = "The browser test says so.", resolvedAt = "2024-05-01" }))
                .EnsureSuccessStatusCode();
        }

        await ui.Page.GotoAsync("/scorecard");

        var row = ui.Page.Locator($"tr[data-prediction-id='{id}']");
        await Expect(row.Locator("[data-essay-forecast]")).ToHaveTextAsync("0.75");
        await Expect(row.Locator("[data-essay-brier]")).ToHaveTextAsync("0.063");
        // No development moved it: the tracker held the prior all along.
        await Expect(row.Locator("[data-tracker-brier]")).ToHaveTextAsync("0.063");
        await Expect(ui.Page.Locator("[data-chart='calibration'] [data-series='essay']")).ToHaveCountAsync(1);
        await Expect(ui.Page.Locator("[data-chart='calibration'] [data-series='tracker']")).ToHaveCountAsync(1);
    });

    [Fact]
    public Task The_timeline_chart_has_one_point_per_timeline_entry_and_the_headline_matches_the_api() => Ui.Run(dashboard, async ui =>
    {
        var id = await Predictions.RegisterAsync(dashboard, "chart");
        await Predictions.LogDevelopmentAsync(dashboard, id, "undermines", "moderate", "2021-03-01", "A first setback");
        await Predictions.LogDevelopmentAsync(dashboard, id, "supports", "strong", "2022-06-15", "A strong sign of support");
        await Predictions.LogDevelopmentAsync(dashboard, id, "undermines", "weak", "2020-09-01", "An earlier small setback, logged late");
        using var anonymous = dashboard.Client();
        var timeline = (await anonymous.GetFromJsonAsync<JsonElement[]>($"/api/predictions/{id}/timeline"))!;
        // The chart is over real-world time, so its values are those of the effective-order replay.
        var effective = (await anonymous.GetFromJsonAsync<JsonElement[]>($"/api/predictions/{id}/timeline?order=effective"))!;
        effective.Length.ShouldBe(timeline.Length);
        var details = await anonymous.GetFromJsonAsync<JsonElement>($"/api/predictions/{id}");

        await ui.Page.GotoAsync($"/predictions/{id}");

        var points = ui.Page.Locator("[data-chart='probability-timeline'] [data-probability][data-effective-at]");
        await Expect(points).ToHaveCountAsync(timeline.Length);
        var shown = new List<(string At, double P)>();
        foreach (var point in await points.AllAsync())
        {
            shown.Add((await point.GetAttributeAsync("data-effective-at") ?? "", double.Parse(await point.GetAttributeAsync("data-probability") ?? "", CultureInfo.InvariantCulture)));
        }
        var expected = effective.Select(e => (At: e.GetProperty("effectiveAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), P: e.GetProperty("probability").GetDouble()));
        shown.OrderBy(s => s.At).ThenBy(s => s.P).Select(s => s.At).ShouldBe(expected.OrderBy(e => e.At).ThenBy(e => e.P).Select(e => e.At));
        foreach (var (at, p) in expected)
        {
            shown.ShouldContain(s => s.At == at && Math.Abs(s.P - p) < 1e-6, $"a point at {at} with probability {p}");
        }
        await Expect(ui.Page.Locator("[data-chart='probability-timeline'] [data-stance]")).ToHaveCountAsync(3);
        await Expect(ui.Page.Locator("[data-chart='probability-timeline'] [data-stance='supports']")).ToHaveCountAsync(1);

        var headline = ui.Page.Locator("[data-headline]");
        await Expect(headline).ToHaveAttributeAsync("data-status", details.GetProperty("status").GetString()!);
        double.Parse((await headline.GetAttributeAsync("data-probability"))!, CultureInfo.InvariantCulture)
            .ShouldBe(details.GetProperty("probability").GetDouble(), 1e-6);
        await Expect(headline).ToContainTextAsync(details.GetProperty("title").GetString()!);
    });

    [Fact]
    public Task The_as_of_view_of_sanctions_relief_on_2017_06_01_shows_what_the_as_of_api_says() => Ui.Run(dashboard, async ui =>
    {
        using var anonymous = dashboard.Client();
        var asOf = await anonymous.GetFromJsonAsync<JsonElement>("/api/predictions/sanctions-relief/as-of?effectiveAt=2017-06-01");

        // Through the page's own date control, as a reader would.
        await ui.Page.GotoAsync("/predictions/sanctions-relief");
        await ui.Page.GetByLabel("As of date").FillAsync("2017-06-01");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Show as of date" }).ClickAsync();

        await Expect(ui.Page.Locator("[data-as-of]")).ToContainTextAsync("As of 2017-06-01");
        var headline = ui.Page.Locator("[data-headline]");
        await Expect(headline).ToHaveAttributeAsync("data-status", asOf.GetProperty("status").GetString()!);
        double.Parse((await headline.GetAttributeAsync("data-probability"))!, CultureInfo.InvariantCulture)
            .ShouldBe(asOf.GetProperty("probability").GetDouble(), 1e-6);
        await Expect(headline).ToContainTextAsync(asOf.GetProperty("title").GetString()!);
        await Expect(ui.Page.Locator("li[data-development-id]")).ToHaveCountAsync(asOf.GetProperty("developments").GetArrayLength());
        // Nothing after the date appears on the chart.
        foreach (var point in await ui.Page.Locator("[data-chart='probability-timeline'] [data-effective-at]").AllAsync())
        {
            DateTimeOffset.Parse((await point.GetAttributeAsync("data-effective-at"))!, CultureInfo.InvariantCulture)
                .ShouldBeLessThanOrEqualTo(new DateTimeOffset(2017, 6, 1, 0, 0, 0, TimeSpan.Zero));
        }
    });

    [Fact]
    public Task An_analyst_logs_a_decisive_development_through_the_form_and_sees_the_status_change() => Ui.Run(dashboard, async ui =>
    {
        var id = await Predictions.RegisterAsync(dashboard, "logging", prior: 0.75);
        await ui.SignInAsync("analyst-dev-key");
        await ui.Page.GotoAsync($"/predictions/{id}");
        await Expect(ui.Page.Locator("[data-headline]")).ToHaveAttributeAsync("data-status", "likely");

        var form = ui.Page.GetByRole(AriaRole.Form, new() { Name = "Log development" });
        await form.GetByLabel("Summary").FillAsync("Moscow abandons the position the prediction rests on");
        await form.GetByLabel("Occurred at").FillAsync("2024-02-10");
        await form.GetByLabel("Stance").SelectOptionAsync("undermines");
        await form.GetByLabel("Strength").SelectOptionAsync("decisive");
        await form.GetByLabel("Rationale").FillAsync("A decisive reversal, announced officially.");
        await form.GetByRole(AriaRole.Button, new() { Name = "Log development" }).ClickAsync();

        await Expect(ui.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Development logged." })).ToBeVisibleAsync();
        await Expect(ui.Page.Locator("[data-headline]")).ToHaveAttributeAsync("data-status", "unlikely");
        await Expect(ui.Page.Locator("li[data-development-id]")).ToContainTextAsync("Moscow abandons the position");
        using var anonymous = dashboard.Client();
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/predictions/{id}")).GetProperty("status").GetString().ShouldBe("unlikely");
    });

    [Fact]
    public Task A_stale_reword_shows_the_conflict_message_with_a_reload() => Ui.Run(dashboard, async ui =>
    {
        var id = await Predictions.RegisterAsync(dashboard, "reword");
        await ui.SignInAsync("analyst-dev-key");
        await ui.Page.GotoAsync($"/predictions/{id}");

        // Someone else changes the prediction after the page was opened.
        await Predictions.LogDevelopmentAsync(dashboard, id, "supports", "weak", "2021-01-01", "A change made elsewhere");

        var form = ui.Page.GetByRole(AriaRole.Form, new() { Name = "Reword" });
        await form.GetByLabel("Title").FillAsync("A reworded title that must not be saved");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save wording" }).ClickAsync();

        var conflict = ui.Page.Locator("[data-conflict]");
        await Expect(conflict).ToContainTextAsync("Someone else changed this prediction");
        await Expect(conflict.GetByRole(AriaRole.Link, new() { Name = "Reload the prediction" })).ToHaveAttributeAsync("href", $"/predictions/{id}");
        using var anonymous = dashboard.Client();
        (await anonymous.GetFromJsonAsync<JsonElement>($"/api/predictions/{id}")).GetProperty("title").GetString().ShouldBe("Browser test prediction reword");

        await conflict.GetByRole(AriaRole.Link, new() { Name = "Reload the prediction" }).ClickAsync();
        await ui.Page.GetByRole(AriaRole.Form, new() { Name = "Reword" }).GetByLabel("Title").FillAsync("A reworded title after reloading");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Save wording" }).ClickAsync();
        await Expect(ui.Page.Locator("[data-headline] h1")).ToHaveTextAsync("A reworded title after reloading");
    });
}
