namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// The dashboard in real headless Chromium (Debian's, driven by Playwright): what it shows for the
/// fixture's node and swarm, live, and a screenshot in TestResults/ to look at.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardBrowserTests(ApiFixture api)
{
    [Theory]
    [InlineData("dark")]
    [InlineData("light")]
    public async Task Dashboard_KnownSwarm_ShowsTableServedQueriesLookupsAndWarnings(string theme)
    {
        await using var browser = await DashboardBrowser.OpenAsync(api.Url, theme);
        var page = browser.Page;

        // Known activity: five pings served, a lookup run through the API, one warning.
        foreach (var node in api.Swarm.Take(5))
        {
            await node.PingAsync(api.Node.LocalEndPoints[0]);
        }

        var (status, _) = await api.RpcAsync($"/api/v0/dht/query?arg={ApiFixture.RandomKey()}");
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        api.ApiNode.Activity.Warn($"dashboard test warning ({theme})");

        await page.WaitForFunctionAsync("() => document.querySelectorAll('#tree .hop').length > 3");
        await page.WaitForFunctionAsync($"() => document.querySelector('#warnings').textContent.includes('dashboard test warning ({theme})')");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#served-legend li').length === 7");
        await page.WaitForTimeoutAsync(2500); // two more snapshots, so the served-per-second chart has a line

        Assert.Equal(api.Node.Id.ToString(), await page.InnerTextAsync("#node-id"));
        Assert.Equal("mainline", (await page.InnerTextAsync("#network")).ToLowerInvariant());
        var buckets = api.Node.GetBuckets();
        Assert.Equal(buckets.Count, await page.Locator("#tables .bucket").CountAsync());
        Assert.Equal(buckets.Sum(b => b.Nodes.Count).ToString(System.Globalization.CultureInfo.InvariantCulture), await page.InnerTextAsync("#table-total"));
        Assert.Equal(api.Node.Options.K * buckets.Count, await page.Locator("#tables .slot:not(.spare)").CountAsync());
        long served = long.Parse((await page.InnerTextAsync("#served-total")).Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(served >= 5, $"served {served}");
        string pingLegend = await page.InnerTextAsync("#served-legend li[data-type='ping']");
        Assert.Contains("ping", pingLegend);
        Assert.True(await page.Locator("#tree circle.answered").CountAsync() >= 3);
        Assert.True(await page.Locator("#lookup-tabs .tab").CountAsync() >= 1);
        Assert.Equal(3, await page.Locator("#stores .store").CountAsync());
        Assert.Empty(browser.Errors);
        await browser.ScreenshotAsync($"dashboard-{theme}.png");
    }
}
