using Microsoft.Playwright;

namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// The dashboard open in real headless Chromium (Debian's, driven by Playwright), live: the page, the errors it
/// raised, and screenshots saved in TestResults/ to look at.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.PageError += (_, e) => Errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                Errors.Add($"{m.Text} {m.Location}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Script errors and console errors of the page.</summary>
    public List<string> Errors { get; } = [];

    /// <summary>TestResults/ at the repository root (where scripts/test.sh collects results).</summary>
    private static string ResultsDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DhtNet.slnx")))
                {
                    return Path.Combine(dir.FullName, "TestResults");
                }
            }

            return Path.Combine(AppContext.BaseDirectory, "TestResults");
        }
    }

    /// <summary>Opens <paramref name="url"/> in the <paramref name="theme"/> colour scheme and waits until the page is live.</summary>
    public static async Task<DashboardBrowser> OpenAsync(string url, string theme)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (scripts/install-peers.sh does it)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Args = ChromiumArgs, Headless = true });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 1180 },
            ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        var opened = new DashboardBrowser(playwright, browser, page);
        await page.GotoAsync(url);
        await page.WaitForSelectorAsync(".live.on");
        return opened;
    }

    /// <summary>Saves the whole page as TestResults/<paramref name="name"/>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ResultsDirectory);
        string path = Path.Combine(ResultsDirectory, name);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
