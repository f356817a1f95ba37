using System.Diagnostics;
using static Microsoft.Playwright.Assertions;

namespace PolicyTracker.Web.Tests;

/// <summary>
/// The README's pictures, taken by the browser: the board, a prediction page and its audit page.
/// Every run saves them under .local/test-results/screenshots; with PT_UPDATE_README_IMAGES=1 the
/// 2017-2025 history is imported first and the pictures replace docs/images/.
/// </summary>
public sealed class ReadmeScreenshots(Dashboard dashboard)
{
    private static readonly bool Update = Environment.GetEnvironmentVariable("PT_UPDATE_README_IMAGES") == "1";

    [Fact]
    public Task The_board_a_prediction_and_its_audit_page_are_pictured() => Ui.Run(dashboard, async ui =>
    {
        if (Update)
        {
            await ImportHistoryAsync();
        }
        var directory = Update
            ? Path.Combine(Dashboard.RepositoryRoot(), "docs", "images")
            : Path.Combine(Dashboard.RepositoryRoot(), ".local", "test-results", "screenshots");
        Directory.CreateDirectory(directory);

        await ui.Page.GotoAsync("/");
        // At least the essay's eleven (other tests of the run may have registered their own).
        await Expect(ui.Page.Locator("[data-prediction-id='sanctions-relief']")).ToBeVisibleAsync();
        (await ui.Page.Locator("[data-prediction-id]").CountAsync()).ShouldBeGreaterThanOrEqualTo(11);
        await ui.Page.ScreenshotAsync(new() { Path = Path.Combine(directory, "board.png"), FullPage = true });

        await ui.SignInAsync("auditor-dev-key");
        await ui.Page.GotoAsync("/predictions/iran-deal");
        await Expect(ui.Page.Locator("[data-chart='probability-timeline']")).ToBeVisibleAsync();
        await ui.Page.ScreenshotAsync(new() { Path = Path.Combine(directory, "prediction.png"), FullPage = true });

        await ui.Page.GotoAsync("/predictions/iran-deal/audit");
        await Expect(ui.Page.Locator("[data-integrity]")).ToBeVisibleAsync();
        await ui.Page.ScreenshotAsync(new() { Path = Path.Combine(directory, "audit.png"), FullPage = false });

        File.Exists(Path.Combine(directory, "audit.png")).ShouldBeTrue();
    });

    private async Task ImportHistoryAsync()
    {
        var root = Dashboard.RepositoryRoot();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var importer = Path.Combine(root, "tools", "Importer", "bin", configuration, "net10.0", "PolicyTracker.Importer.dll");
        var info = new ProcessStartInfo("dotnet", [importer, "history", Path.Combine(root, "data", "history"), "--gateway", dashboard.Gateway.ToString(), "--api-key", "analyst-dev-key"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        process.ExitCode.ShouldBe(0, await output + await errors);
    }
}
