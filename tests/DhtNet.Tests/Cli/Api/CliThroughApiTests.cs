using System.Text.Json;

namespace DhtNet.Tests.Cli.Api;

/// <summary>One-shot commands given --api run through the fixture's node; `dht stats` reads it.</summary>
[Collection(ApiCollection.Name)]
public sealed class CliThroughApiTests(ApiFixture api)
{
    [Fact]
    public async Task ProvideThenFindProviders_ThroughApi_FindsTheApiNode()
    {
        string key = Cli.RandomHex();

        var provided = await Cli.RunInProcessAsync("provide", key, "--api", api.Url, "--json");
        var found = await Cli.RunInProcessAsync("findprovs", key, "--api", api.Url, "--json");

        Assert.Equal(0, provided.ExitCode);
        Assert.Equal(0, found.ExitCode);
        Assert.Contains($"\"address\":\"127.0.0.1:{api.Node.LocalEndPoints[0].Port}\"", found.StandardOutput);
    }

    [Fact]
    public async Task FindPeer_ThroughApi_PrintsAddress()
    {
        var target = api.Swarm[8];

        var result = await Cli.RunInProcessAsync("findpeer", target.Id.ToString(), "--api", api.Url, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"\"address\":\"127.0.0.1:{target.LocalEndPoints[0].Port}\"", result.StandardOutput);
    }

    [Fact]
    public async Task Query_ThroughApi_ListsNodes()
    {
        var result = await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--api", api.Url, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\"type\":\"node\"", result.StandardOutput);
    }

    [Fact]
    public async Task FindPeer_UnknownThroughApi_ExitNotFound()
    {
        string id = Cli.RandomHex();

        var result = await Cli.RunInProcessAsync("findpeer", id, "--api", api.Url);

        // As a temporary node says it, not as the RPC does ("routing: not found").
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"node {id} not found", result.StandardError);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5001")]
    [InlineData("not a url")]
    public async Task Query_BadApiUrl_ExitBadInput(string url)
    {
        var result = await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--api", url);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--api", result.StandardError);
    }

    [Fact]
    public async Task Stats_Json_TablesStoresAndTraffic()
    {
        var result = await Cli.RunInProcessAsync("stats", "--api", api.Url, "--json");

        Assert.Equal(0, result.ExitCode);
        var stats = JsonDocument.Parse(result.StandardOutput).RootElement;
        Assert.Equal("stats", stats.GetProperty("type").GetString());
        Assert.Equal(api.Node.Id.ToString(), stats.GetProperty("id").GetString());
        Assert.True(stats.GetProperty("tables").GetArrayLength() >= 1);
        Assert.True(stats.GetProperty("traffic").GetProperty("queriesSent").GetInt64() > 0);
    }

    [Fact]
    public async Task Stats_Text_PrintsRoutingTable()
    {
        var result = await Cli.RunInProcessAsync("stats", "--api", api.Url);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("IPv4 routing table", result.StandardOutput);
        Assert.Contains("queriesSent", result.StandardOutput);
    }

    [Fact]
    public async Task Node_ApiPortTaken_ExitBadInputNamingApi()
    {
        var taken = new Uri(api.Url);

        var result = await Cli.RunInProcessAsync("node", "--network", "mainline", "--port", "0", "--bootstrap", "none", "--api", $"127.0.0.1:{taken.Port}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--api", result.StandardError);
    }

    [Fact]
    public async Task Node_PublicApiWithoutToken_ExitBadInput()
    {
        var result = await Cli.RunInProcessAsync("node", "--network", "mainline", "--port", "0", "--bootstrap", "none", "--api", "0.0.0.0:0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--api-token", result.StandardError);
    }
}
