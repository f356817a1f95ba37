using Deque.AxeCore.Playwright;
using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

/// <summary>What users expect of every page of api.md's Dashboard section, for each role that opens it.</summary>
public sealed class EveryPageTests(Dashboard dashboard)
{
    public static readonly TheoryData<string?, string> Pages = new()
    {
        { null, "/" },
        { null, "/?status=likely" },
        { null, "/predictions/sanctions-relief" },
        { null, "/predictions/sanctions-relief?effectiveAt=2017-06-01" },
        { null, "/scorecard" },
        { null, "/signin" },
        { "analyst-dev-key", "/predictions/iran-deal" },
        { "analyst-dev-key", "/triage" },
        { "analyst-dev-key", "/triage?tab=none" },
        { "analyst-dev-key", "/statements/new" },
        { "analyst-dev-key", "/feeds" },
        { "auditor-dev-key", "/predictions/iran-deal/audit" },
        { "subscriber-dev-key", "/subscriptions" },
    };

    private static readonly (string? Key, string Path)[] All = Pages.Select(row => ((string?)row.Data.Item1, row.Data.Item2)).ToArray();

    [Fact]
    public Task A_phone_sized_viewport_never_scrolls_sideways() => Ui.Run(dashboard, async ui =>
    {
        foreach (var (key, path) in await VisitAll(ui))
        {
            var overflow = await ui.Page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            overflow.ShouldBeLessThanOrEqualTo(0, $"{path} as {key ?? "anonymous"} scrolls sideways by {overflow}px at 375px");
        }
    }, width: 375, height: 812);

    [Fact]
    public Task No_page_writes_a_console_error_or_shows_a_stack_trace() => Ui.Run(dashboard, async ui =>
    {
        var visited = await VisitAll(ui, async (key, path) =>
        {
            var text = await ui.Page.Locator("body").InnerTextAsync();
            text.ShouldNotContain("   at ", customMessage: $"{path} shows a stack trace");
            text.ShouldNotContain("Exception", customMessage: $"{path} shows an exception");
        });
        visited.Count.ShouldBe(All.Length);
        ui.ConsoleErrors.ShouldBeEmpty();
    });

    [Fact]
    public Task No_page_has_a_serious_or_critical_accessibility_violation() => Ui.Run(dashboard, async ui =>
    {
        var problems = new List<string>();
        await VisitAll(ui, async (key, path) =>
        {
            var result = await ui.Page.RunAxe();
            problems.AddRange(result.Violations
                .Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{path}: {v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}"));
        });
        problems.ShouldBeEmpty();
    });

    private async Task<List<(string? Key, string Path)>> VisitAll(Ui ui, Func<string?, string, Task>? check = null)
    {
        var visited = new List<(string?, string)>();
        foreach (var group in All.GroupBy(p => p.Key))
        {
            await ui.Page.Context.ClearCookiesAsync();
            if (group.Key is not null)
            {
                await ui.SignInAsync(group.Key);
            }
            foreach (var (key, path) in group)
            {
                var response = await ui.Page.GotoAsync(path);
                response!.Status.ShouldBe(200, $"{path} as {key ?? "anonymous"}");
                await Expect(ui.Page.Locator("main h1")).ToBeVisibleAsync();
                if (check is not null)
                {
                    await check(key, path);
                }
                visited.Add((key, path));
            }
        }
        return visited;
    }
}
