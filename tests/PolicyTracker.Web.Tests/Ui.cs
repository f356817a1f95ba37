using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using PolicyTracker.Testing;

namespace PolicyTracker.Web.Tests;

/// <summary>
/// A fresh browser context per test (its own cookies), console errors collected, and a screenshot
/// under .local/test-results/screenshots when the test fails.
/// </summary>
public sealed class Ui(Dashboard dashboard, IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page => page;
    public List<string> ConsoleErrors { get; } = [];
    public string Url(string path) => new Uri(dashboard.Gateway, path).ToString();

    public static async Task Run(Dashboard dashboard, Func<Ui, Task> steps, int width = 1280, int height = 900, [CallerMemberName] string test = "")
    {
        var context = await dashboard.Browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, BaseURL = dashboard.Gateway.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await using var ui = new Ui(dashboard, context, page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (ui.ConsoleErrors) { ui.ConsoleErrors.Add($"{page.Url}: {message.Text}"); }
            }
        };
        page.PageError += (_, error) => { lock (ui.ConsoleErrors) { ui.ConsoleErrors.Add($"{page.Url}: {error}"); } };
        try
        {
            await steps(ui);
        }
        catch
        {
            var directory = Path.Combine(Dashboard.RepositoryRoot(), ".local", "test-results", "screenshots");
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{test}.png"), FullPage = true });
            throw;
        }
    }

    public Task SignInAsync(string key) => SignInAsync(page, key);

    /// <summary>
    /// Signs in through the form (with or without scripts). When the dashboard could not finish checking
    /// the key ("… is unavailable right now": a service slow under the full suite's load), it tries again
    /// for up to 90 s: signing in is these tests' precondition, not their subject.
    /// </summary>
    public static async Task SignInAsync(IPage page, string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        async Task SubmitAsync()
        {
            await page.GotoAsync("/signin");
            await page.GetByLabel("API key").FillAsync(key);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        }
        await SubmitAsync();
        var alert = page.GetByRole(AriaRole.Alert);
        while (page.Url.Contains("/signin"))
        {
            var message = await alert.CountAsync() > 0 ? await alert.First.InnerTextAsync() : null;
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"still on {page.Url} after signing in as {key}; the page says: {message ?? "nothing"}");
            }
            if (message is not null && message.Contains("unavailable right now"))
            {
                await SubmitAsync();
                continue;
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await page.CloseAsync();
        await context.DisposeAsync();
    }
}

/// <summary>Predictions of a test's own, registered through the API so no test changes another's data.</summary>
public static class Predictions
{
    public static async Task<string> RegisterAsync(Dashboard dashboard, string name, double prior = 0.75)
    {
        var id = $"{name}-{Guid.NewGuid().ToString("N")[..8]}";
        using var analyst = dashboard.Client("analyst-dev-key");
        var response = await analyst.PostAsJsonAsync("/api/predictions", new
        {
            id,
            title = $"Browser test prediction {name}",
            claim = "A claim the browser tests exercise.",
            resolutionCriteria = "Confirmed if the browser test says so.",
            horizon = "2030-01-01",
            prior,
            tags = new[] { "browser-test" },
            searchTerms = new[] { "browser" },
            source = new { title = "Browser tests", author = "PolicyTracker", quote = "A quote for the page." },
            madeAt = "2020-01-01",
        });
        response.EnsureSuccessStatusCode();
        return id;
    }

    public static async Task LogDevelopmentAsync(Dashboard dashboard, string id, string stance, string strength, string occurredAt, string summary)
    {
        using var analyst = dashboard.Client("analyst-dev-key");
        var response = await analyst.PostAsJsonAsync($"/api/predictions/{id}/developments", new { summary, occurredAt, stance, strength, rationale = "Logged by a browser test." });
        response.EnsureSuccessStatusCode();
    }
}
