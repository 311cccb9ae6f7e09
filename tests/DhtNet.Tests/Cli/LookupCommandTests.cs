using System.Net;

namespace DhtNet.Tests.Cli;

/// <summary>query, findpeer, findprovs, provide and ping against a loopback swarm, in both output modes.</summary>
public class LookupCommandTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>
{
    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task Query_Json_PrintsNodesClosestFirstThenDone(CliHost host)
    {
        var key = NodeId.Random();
        var result = (await Cli.RunAsync(host, "query", key.ToString(), "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();

        var lines = result.JsonLines();
        var nodes = result.Json("node");
        Assert.NotEmpty(nodes);
        var ids = nodes.Select(n => NodeId.Parse(n.GetProperty("id").GetString()!)).ToList();
        Assert.Equal(ids.OrderBy(id => id.Xor(key)), ids);
        Assert.All(nodes, n => Assert.Contains(swarm.Nodes, s => s.Id.ToString() == n.GetProperty("id").GetString()
            && LoopbackSwarm.EndPoint(s).ToString() == n.GetProperty("address").GetString()));
        var closest = swarm.Nodes.MinBy(n => n.Id.Xor(key))!;
        Assert.Equal(closest.Id, ids[0]);
        AssertDone(lines);
    }

    [Theory]
    [InlineData(CliHost.InProcess)]
    [InlineData(CliHost.Process)]
    public async Task Query_Text_PrintsTableOfNodes(CliHost host)
    {
        var key = NodeId.Random();
        var result = (await Cli.RunAsync(host, "query", key.ToString(), "--bootstrap", swarm.Bootstrap)).AssertSuccess();

        var closest = swarm.Nodes.MinBy(n => n.Id.Xor(key))!;
        Assert.Contains($"closest to {key}", result.StandardOutput);
        Assert.Contains(closest.Id.ToString(), result.StandardOutput);
        Assert.Contains(LoopbackSwarm.EndPoint(closest).ToString(), result.StandardOutput);
        Assert.Contains("answered", result.StandardOutput);
        Assert.DoesNotContain("{", result.StandardOutput);
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task FindPeer_KnownNode_PrintsItsAddress(CliHost host, bool json)
    {
        var sought = swarm.Nodes[5];
        var result = (await Cli.RunAsync(host, Args(json, "findpeer", sought.Id.ToString(), "--bootstrap", swarm.Bootstrap))).AssertSuccess();

        string address = LoopbackSwarm.EndPoint(sought).ToString();
        if (json)
        {
            var peer = Assert.Single(result.Json("peer"));
            Assert.Equal(sought.Id.ToString(), peer.GetProperty("id").GetString());
            Assert.Equal(address, peer.GetProperty("address").GetString());
            AssertDone(result.JsonLines());
        }
        else
        {
            Assert.Contains($"Node {sought.Id} is at {address}", result.StandardOutput);
        }
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task FindPeer_UnknownNode_ExitsTwo(CliHost host, bool json)
    {
        string unknown = Cli.RandomHex();
        var result = await Cli.RunAsync(host, Args(json, "findpeer", unknown, "--bootstrap", swarm.Bootstrap));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"node {unknown} not found", result.StandardError);
        result.AssertNoStackTrace();
        if (json)
        {
            AssertDone(result.JsonLines());
        }
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task FindProviders_AnnouncedInfohash_PrintsProviders(CliHost host, bool json)
    {
        var infoHash = NodeId.Random();
        var provided = await swarm.Nodes[3].ProvideAsync(infoHash, 4242);
        Assert.True(provided.Stored > 0);

        var result = (await Cli.RunAsync(host, Args(json, "findprovs", infoHash.ToString(), "--bootstrap", swarm.Bootstrap))).AssertSuccess();

        if (json)
        {
            var provider = Assert.Single(result.Json("provider"));
            Assert.Equal("127.0.0.1:4242", provider.GetProperty("address").GetString());
            AssertDone(result.JsonLines());
        }
        else
        {
            Assert.Contains($"Providers of {infoHash}", result.StandardOutput);
            Assert.Contains("127.0.0.1:4242", result.StandardOutput);
            Assert.Contains("1 found", result.StandardOutput);
        }
    }

    [Fact]
    public async Task FindProviders_Max_StopsAfterThatMany()
    {
        // Nodes keep one peer per address, so three providers need three addresses (all of 127/8 is
        // loopback on Linux). They are read-only (BEP 43), so the swarm does not keep them in its
        // tables after they leave, where later lookups would wait for them to time out.
        var infoHash = NodeId.Random();
        for (int i = 2; i <= 4; i++)
        {
            await using var provider = new DhtNode(new DhtOptions
            {
                BindAddresses = [IPAddress.Parse($"127.0.0.{i}")],
                Port = 0,
                BootstrapNodes = [swarm.Bootstrap],
                ReadOnly = true,
            });
            await provider.StartAsync();
            Assert.True((await provider.ProvideAsync(infoHash, 5000 + i)).Stored > 0);
        }

        var all = (await Cli.RunInProcessAsync("findprovs", infoHash.ToString(), "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        Assert.Equal(3, all.Json("provider").Count);

        var two = (await Cli.RunInProcessAsync("findprovs", infoHash.ToString(), "--max", "2", "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        Assert.Equal(2, two.Json("provider").Count);
        AssertDone(two.JsonLines());
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task Provide_TwoInfohashesWithPort_EachIsStoredAndFindable(CliHost host, bool json)
    {
        var first = NodeId.Random();
        var second = NodeId.Random();
        var result = (await Cli.RunAsync(host, Args(json, "provide", first.ToString(), second.ToString(), "--port", "6999", "--bootstrap", swarm.Bootstrap))).AssertSuccess();

        if (json)
        {
            var provided = result.Json("provided");
            Assert.Equal([first.ToString(), second.ToString()], provided.Select(p => p.GetProperty("infohash").GetString()));
            Assert.All(provided, p => Assert.True(p.GetProperty("stored").GetInt32() > 0));
            AssertDone(result.JsonLines());
        }
        else
        {
            Assert.Contains(first.ToString(), result.StandardOutput);
            Assert.Contains(second.ToString(), result.StandardOutput);
            Assert.Matches(@"[1-9]\d* nodes", result.StandardOutput);
        }

        foreach (var infoHash in new[] { first, second })
        {
            var found = new List<IPEndPoint>();
            await foreach (var peer in swarm.Nodes[7].FindProvidersAsync(infoHash))
            {
                found.Add(peer);
            }

            Assert.Contains(new IPEndPoint(IPAddress.Loopback, 6999), found);
        }
    }

    [Fact]
    public async Task Provide_WithoutPort_AnnouncesTheImpliedPort()
    {
        var infoHash = NodeId.Random();
        var result = (await Cli.RunInProcessAsync("provide", infoHash.ToString(), "--bootstrap", swarm.Bootstrap, "--json")).AssertSuccess();
        Assert.True(Assert.Single(result.Json("provided")).GetProperty("stored").GetInt32() > 0);

        // The temporary node is gone, but the nodes recorded the port its packets came from.
        var found = new List<IPEndPoint>();
        await foreach (var peer in swarm.Nodes[2].FindProvidersAsync(infoHash))
        {
            found.Add(peer);
        }

        var provider = Assert.Single(found);
        Assert.Equal(IPAddress.Loopback, provider.Address);
        Assert.NotEqual(6881, provider.Port);
    }

    [Theory]
    [InlineData(CliHost.InProcess, false)]
    [InlineData(CliHost.InProcess, true)]
    [InlineData(CliHost.Process, false)]
    [InlineData(CliHost.Process, true)]
    public async Task Ping_LiveNode_PrintsPong(CliHost host, bool json)
    {
        var target = swarm.Nodes[1];
        string address = LoopbackSwarm.EndPoint(target).ToString();
        var result = (await Cli.RunAsync(host, Args(json, "ping", address))).AssertSuccess();

        if (json)
        {
            var pong = Assert.Single(result.JsonLines());
            Assert.Equal("pong", pong.GetProperty("type").GetString());
            Assert.Equal(target.Id.ToString(), pong.GetProperty("id").GetString());
            Assert.Equal(address, pong.GetProperty("address").GetString());
            Assert.True(pong.GetProperty("rttMs").GetDouble() >= 0);
        }
        else
        {
            Assert.Contains($"Pong from {target.Id} at {address}", result.StandardOutput);
        }
    }

    private static void AssertDone(IReadOnlyList<System.Text.Json.JsonElement> lines)
    {
        var done = lines[^1];
        Assert.Equal("done", done.GetProperty("type").GetString());
        Assert.True(done.GetProperty("queried").GetInt32() >= done.GetProperty("answered").GetInt32());
        Assert.True(done.GetProperty("elapsedMs").GetInt64() >= 0);
        Assert.Single(lines, l => l.GetProperty("type").GetString() == "done");
    }

    internal static string[] Args(bool json, params string[] args) => json ? [.. args, "--json"] : args;
}
