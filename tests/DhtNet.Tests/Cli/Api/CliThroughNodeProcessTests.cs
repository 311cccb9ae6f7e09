using System.Text.Json;

namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// One-shot commands given --api against `dht node --api 127.0.0.1:0` running as a process, on the IPFS network
/// and on both: the same JSON lines as a temporary node prints, the work done by the running node (so another
/// node finds its provider records), and errors that name the problem. The nodes join a local network of both kinds.
/// </summary>
public sealed class CliThroughNodeProcessTests(IpfsCommandTests.Swarm swarm) : IClassFixture<IpfsCommandTests.Swarm>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ProvideIpfs_ThroughNodeApi_AnotherNodeFindsTheRunningNodeAsProvider()
    {
        await using var node = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]);
        string cid = await node.AddAsync("provided through the API of a running node");

        var provided = (await Cli.RunInProcessAsync("provide", "--network", "ipfs", cid, "--api", node.Url, "--json")).AssertSuccess();
        var found = (await Cli.RunInProcessAsync("findprovs", "--network", "ipfs", cid, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();

        // The provide line names the provider as a temporary node's does: the running node's peer id and full addrs.
        var line = Assert.Single(provided.Json("provided"));
        Assert.Equal(cid, line.GetProperty("cid").GetString());
        Assert.Equal(node.PeerId, line.GetProperty("peerId").GetString());
        Assert.Equal(node.Addrs, line.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
        var provider = Assert.Single(found.Json("provider"));
        Assert.Equal(node.PeerId, provider.GetProperty("peerId").GetString());
        Assert.Equal(node.Addrs, provider.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task IpfsOneShots_ThroughNodeRunningBoth_SameLinesAsATemporaryNode()
    {
        await using var node = await RunningNode.StartAsync(["--network", "both", "--port", "0", "--bootstrap", $"{swarm.Network.BootstrapAddress},{swarm.IpfsBootstrap}"]);
        var target = swarm.Network.IpfsPeers[3];
        string cid = await node.AddAsync("found through a node running both networks");
        (await Cli.RunInProcessAsync("provide", "--network", "ipfs", cid, "--api", node.Url)).AssertSuccess();

        var query = (await Cli.RunInProcessAsync("query", "--network", "ipfs", target.PeerId.ToString(), "--api", node.Url, "--json")).AssertSuccess();
        var peer = (await Cli.RunInProcessAsync("findpeer", "--network", "ipfs", target.PeerId.ToString(), "--api", node.Url, "--json")).AssertSuccess();
        var direct = (await Cli.RunInProcessAsync("findpeer", "--network", "ipfs", target.PeerId.ToString(), "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
        var providers = (await Cli.RunInProcessAsync("findprovs", "--network", "ipfs", cid, "--api", node.Url, "--json")).AssertSuccess();

        Assert.Contains(query.Json("node"), n => n.GetProperty("peerId").GetString() == target.PeerId.ToString());
        Assert.All(query.Json("node"), n => Assert.All(n.GetProperty("addrs").EnumerateArray(), a => Assert.EndsWith($"/p2p/{n.GetProperty("peerId").GetString()}", a.GetString())));
        Assert.Equal(Assert.Single(direct.Json("peer")).GetRawText(), Assert.Single(peer.Json("peer")).GetRawText());
        Assert.Equal(node.PeerId, Assert.Single(providers.Json("provider")).GetProperty("peerId").GetString());
    }

    [Fact]
    public async Task IpnsRecord_PutAndGetThroughNodeApis_ReadBackFromAnotherNode()
    {
        await using var publisher = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]);
        await using var other = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]);
        string cid = await publisher.AddAsync("named by an IPNS record");
        string key = $"/ipns/{publisher.PeerId}";
        using (var published = await publisher.Http.PostAsync($"/api/v0/name/publish?arg=/ipfs/{cid}", null))
        {
            published.EnsureSuccessStatusCode();
        }

        // The signed record, read through one node's API, stored again through another's, read back from the DHT.
        string file = Path.Combine(Path.GetTempPath(), $"ipns-{Guid.NewGuid():N}.bin");
        try
        {
            (await Cli.RunInProcessAsync("get", "--network", "ipfs", key, "--api", publisher.Url, "-o", file)).AssertSuccess();
            var put = (await Cli.RunInProcessAsync("put", "--network", "ipfs", key, file, "--api", other.Url, "--json")).AssertSuccess();
            var got = (await Cli.RunInProcessAsync("get", "--network", "ipfs", key, "--bootstrap", swarm.IpfsBootstrap, "--json")).AssertSuccess();
            var viaApi = (await Cli.RunInProcessAsync("get", "--network", "ipfs", key, "--api", other.Url, "--json")).AssertSuccess();

            Assert.Equal(key, Assert.Single(put.Json("put")).GetProperty("key").GetString());
            var value = Assert.Single(got.Json("value"));
            Assert.Equal($"/ipfs/{cid}", value.GetProperty("value").GetString());
            Assert.Equal(Convert.ToBase64String(await File.ReadAllBytesAsync(file)), value.GetProperty("v").GetString());
            Assert.Equal(value.GetRawText(), Assert.Single(viaApi.Json("value")).GetRawText());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task PutIpfs_RecordNotSignedForTheKey_ExitBadInputWithTheNodesReason()
    {
        await using var node = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]);
        string file = Path.Combine(Path.GetTempPath(), $"not-a-record-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, "not a record"u8.ToArray());
        try
        {
            var result = await Cli.RunInProcessAsync("put", "--network", "ipfs", $"/ipns/{node.PeerId}", file, "--api", node.Url);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"--api {node.Url} refused the request: value:", result.StandardError);
            Assert.DoesNotContain("(Parameter", result.StandardError);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ProvideIpfs_BlockNotOnTheNode_ExitFailedSayingNotFoundLocally()
    {
        await using var node = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]);

        var result = await Cli.RunInProcessAsync("provide", "--network", "ipfs", "bafkreiegol5lh6nnt2x2dkbyoxiacjyell4sztpildb3f5sxs7dbiawtuy", "--api", node.Url);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("not found locally", result.StandardError);
    }

    [Fact]
    public async Task MainlineOneShots_ThroughIpfsOnlyNode_ExitBadInputNamingTheNetwork()
    {
        await using var node = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]);

        var result = await Cli.RunInProcessAsync("findprovs", Cli.RandomHex(), "--api", node.Url);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("network: 'mainline' is not running here; this node runs ipfs", result.StandardError);
    }

    [Fact]
    public async Task OneShot_WrongToken_ExitBadInputNamingTheVariable()
    {
        await using var node = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap, "--api-token", "right-token-0123456789"]);

        var wrong = await CliProcess.RunProgramAsync(Wait, "dotnet", [CliProcess.DhtDll, "query", "--network", "ipfs", node.PeerId, "--api", node.Url], new Dictionary<string, string?> { ["DHT_API_TOKEN"] = "wrong-token-0123456789" });
        var right = await CliProcess.RunProgramAsync(Wait, "dotnet", [CliProcess.DhtDll, "findpeer", "--network", "ipfs", swarm.Network.IpfsPeers[2].PeerId.ToString(), "--api", node.Url, "--json"], new Dictionary<string, string?> { ["DHT_API_TOKEN"] = "right-token-0123456789" });

        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"--api {node.Url}", wrong.StandardError);
        Assert.Contains("DHT_API_TOKEN", wrong.StandardError);
        right.AssertSuccess();
    }

    [Fact]
    public async Task OneShot_NoNodeAtTheUrl_ExitFailedSayingNoNodeAnswers()
    {
        string url;
        await using (var node = await RunningNode.StartAsync(["--network", "ipfs", "--bootstrap", swarm.IpfsBootstrap]))
        {
            url = node.Url;
        }

        var result = await Cli.RunInProcessAsync("findprovs", "--network", "ipfs", "bafkreiegol5lh6nnt2x2dkbyoxiacjyell4sztpildb3f5sxs7dbiawtuy", "--api", url);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"--api {url}: no node answers there", result.StandardError);
    }

    [Fact]
    public async Task MainlinePutThenGet_ThroughNodeRunningBoth_ValueAsATemporaryNodeReadsIt()
    {
        await using var node = await RunningNode.StartAsync(["--network", "both", "--port", "0", "--bootstrap", $"{swarm.Network.BootstrapAddress},{swarm.IpfsBootstrap}"]);

        var put = (await Cli.RunInProcessAsync("put", "stored through a node's API", "--api", node.Url, "--json")).AssertSuccess();
        string target = Assert.Single(put.Json("put")).GetProperty("target").GetString()!;
        var viaApi = (await Cli.RunInProcessAsync("get", target, "--api", node.Url, "--json")).AssertSuccess();
        var direct = (await Cli.RunInProcessAsync("get", target, "--bootstrap", swarm.Network.BootstrapAddress, "--json")).AssertSuccess();

        var value = Assert.Single(direct.Json("value"));
        Assert.Equal("stored through a node's API", value.GetProperty("text").GetString());
        Assert.Equal(value.GetRawText(), Assert.Single(viaApi.Json("value")).GetRawText());
    }

    [Fact]
    public async Task Stats_NodeRunningBoth_PrintsBothNetworksTablesStoresAndTraffic()
    {
        await using var node = await RunningNode.StartAsync(["--network", "both", "--port", "0", "--bootstrap", $"{swarm.Network.BootstrapAddress},{swarm.IpfsBootstrap}"]);

        var text = (await Cli.RunInProcessAsync("stats", "--api", node.Url)).AssertSuccess();
        var json = (await Cli.RunInProcessAsync("stats", "--api", node.Url, "--json")).AssertSuccess();

        Assert.Contains("mainline IPv4 routing table", text.StandardOutput);
        Assert.Contains("ipfs kad routing table", text.StandardOutput);
        Assert.Contains("provider records (keys)", text.StandardOutput);
        Assert.Contains("peer store (infohashes)", text.StandardOutput);
        var networks = Assert.Single(json.Json("stats")).GetProperty("networks").EnumerateArray().ToList();
        Assert.Equal(["mainline", "ipfs"], networks.Select(n => n.GetProperty("network").GetString()));
        Assert.All(networks, n =>
        {
            Assert.NotEmpty(n.GetProperty("tables").EnumerateArray());
            Assert.NotEmpty(n.GetProperty("stores").EnumerateArray());
            Assert.NotEmpty(n.GetProperty("traffic").EnumerateObject());
        });
    }

    /// <summary>`dht node --api 127.0.0.1:0` as a process: its peer id, addrs and API URL from its first lines.</summary>
    private sealed class RunningNode : IAsyncDisposable
    {
        private readonly CliProcess.Running _process;

        private RunningNode(CliProcess.Running process, string peerId, IReadOnlyList<string> addrs, string url, string? token)
        {
            _process = process;
            PeerId = peerId;
            Addrs = addrs;
            Url = url;
            Http = new HttpClient { BaseAddress = new Uri(url) };
            if (token is not null)
            {
                Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
        }

        public string PeerId { get; }

        public IReadOnlyList<string> Addrs { get; }

        public string Url { get; }

        public HttpClient Http { get; }

        public static async Task<RunningNode> StartAsync(string[] options)
        {
            int token = Array.IndexOf(options, "--api-token");
            var process = CliProcess.Start(["node", "--api", "127.0.0.1:0", "--ipfs-port", "0", "--bind", "127.0.0.1", "--json", "--log-level", "none", .. options]);
            try
            {
                using var listening = JsonDocument.Parse(await process.ReadLineAsync(l => l.Contains("\"type\":\"listening\"", StringComparison.Ordinal), Wait));
                using var api = JsonDocument.Parse(await process.ReadLineAsync(l => l.Contains("\"type\":\"api\"", StringComparison.Ordinal), Wait));
                var node = new RunningNode(
                    process,
                    listening.RootElement.GetProperty("peerId").GetString()!,
                    [.. listening.RootElement.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!)],
                    api.RootElement.GetProperty("url").GetString()!,
                    token >= 0 ? options[token + 1] : null);

                // The node is connected to IPFS peers once it has joined: the one-shots then have peers to ask.
                await Eventually.UntilAsync(
                    async () =>
                    {
                        using var response = await node.Http.PostAsync("/api/v0/swarm/peers", null);
                        using var peers = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
                        return peers.RootElement.GetProperty("Peers").EnumerateArray().Count(p => p.GetProperty("Addr").GetString()!.Contains("/tcp/", StringComparison.Ordinal)) >= 4;
                    },
                    "the running node connected to 4 IPFS peers of the swarm",
                    Wait);
                return node;
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }

        /// <summary>Stores a small file on the node (`add`): the node then holds its block and may provide it.</summary>
        public async Task<string> AddAsync(string text)
        {
            using var content = new MultipartFormDataContent { { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text)), "file", "file.txt" } };
            using var response = await Http.PostAsync("/api/v0/add", content);
            using var added = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
            return added.RootElement.GetProperty("Hash").GetString()!;
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await _process.TerminateAsync();
            await _process.WaitForExitAsync(Wait);
            await _process.DisposeAsync();
        }
    }
}
