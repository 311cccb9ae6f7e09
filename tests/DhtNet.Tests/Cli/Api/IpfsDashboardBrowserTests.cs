namespace DhtNet.Tests.Cli.Api;

/// <summary>The dashboard of a node on the IPFS DHT in headless Chromium: its table, kad queries served, lookup hop trees and stores.</summary>
[Collection(IpfsApiCollection.Name)]
public sealed class IpfsDashboardBrowserTests(IpfsApiFixture api)
{
    [Fact]
    public async Task Dashboard_IpfsNetwork_ShowsTableServedLookupsAndStores()
    {
        await using var browser = await DashboardBrowser.OpenAsync(api.Url, "dark");
        var page = browser.Page;

        // Known activity: a lookup through the API and a request the node serves.
        var (status, _) = await api.RpcAsync($"/api/v0/dht/findpeer?arg={Ed25519PrivateKey.Generate().PeerId}");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, status); // nobody has that peer: routing: not found
        await api.Peers[0].Node.QueryAsync(api.Node.PeerId);

        await page.WaitForFunctionAsync("() => document.querySelectorAll('#tree .hop').length > 3");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#served-legend li').length === 6");
        await page.WaitForFunctionAsync("() => Number(document.querySelector('#served-total').textContent.replace(/,/g, '')) > 0");
        await page.WaitForFunctionAsync("() => Number(document.querySelector('#sent-total').textContent.replace(/,/g, '')) > 0");

        Assert.Equal(api.Node.PeerId.ToString(), await page.InnerTextAsync("#node-id"));
        Assert.Equal("ipfs", (await page.InnerTextAsync("#network")).ToLowerInvariant());
        long peers = long.Parse((await page.InnerTextAsync("#table-total")).Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(peers, IpfsApiFixture.PeerCount - 1, IpfsApiFixture.PeerCount + 4);
        Assert.Contains("find_node", await page.InnerTextAsync("#served-legend"));
        Assert.Equal(6, await page.Locator("#stores .store").CountAsync());
        Assert.Contains("blocks", await page.InnerTextAsync("#stores"));
        Assert.True(await page.Locator("#tree circle.answered").CountAsync() >= 3);
        Assert.Empty(browser.Errors);
        await browser.ScreenshotAsync("dashboard-ipfs.png");
    }
}
