using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>`dht swarm` as a real process: every operation succeeds on both networks, in both output modes, and --keep serves other commands.</summary>
public sealed class SwarmCommandTests
{
    private static readonly string[] MainlineOperations =
    [
        "ping", "query", "findpeer", "provide", "findprovs", "scrape", "sample",
        "put (immutable)", "get (immutable)", "put (mutable)", "get (mutable)",
    ];

    private static readonly string[] IpfsOperations =
    [
        "ping", "query", "findpeer", "provide", "findprovs", "put (/pk/)", "get (/pk/)", "put (/ipns/)", "get (/ipns/)",
    ];

    [Fact]
    public async Task Swarm_24And8NodesJson_EveryOperationSucceedsOnBothNetworks()
    {
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "swarm", "--nodes", "24", "--ipfs-nodes", "8", "--json")).AssertSuccess();

        var swarm = Assert.Single(result.Json("swarm"));
        Assert.Equal(24, swarm.GetProperty("nodes").GetInt32());
        Assert.Equal(8, swarm.GetProperty("ipfsNodes").GetInt32());
        Assert.Matches(@"^127\.0\.0\.1:\d+$", swarm.GetProperty("bootstrap").GetString());
        Assert.Matches(@"^/ip4/127\.0\.0\.1/tcp/\d+/p2p/12D3KooW\w+$", swarm.GetProperty("ipfsBootstrap").GetString());
        var operations = result.Json("operation");
        Assert.Equal(
            [.. MainlineOperations.Select(o => ("mainline", o)), .. IpfsOperations.Select(o => ("ipfs", o))],
            operations.Select(o => (o.GetProperty("network").GetString(), o.GetProperty("operation").GetString())));
        Assert.All(operations, o => Assert.True(o.GetProperty("ok").GetBoolean(), o.ToString()));
        Assert.All(operations, o => Assert.True(o.GetProperty("elapsedMs").GetDouble() >= 0));
    }

    [Fact]
    public async Task Swarm_DefaultText_OneTableWithAColumnPerNetwork()
    {
        // The time limit only guards against a hang; speed is measured by the benchmarks, not here.
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "swarm")).AssertSuccess();

        Assert.Contains("64 Mainline nodes and 16 IPFS nodes on 127.0.0.1 formed in", result.StandardOutput);
        Assert.Contains("All 20 operations succeeded.", result.StandardOutput);
        Assert.DoesNotContain("FAILED", result.StandardOutput);
        var header = result.StandardOutput.Split('\n').Single(l => l.Contains("Operation", StringComparison.Ordinal));
        Assert.Matches(@"Operation\s*│\s*Mainline\s*│\s*Time\s*│\s*IPFS\s*│\s*Time", header);

        // A Mainline-only operation shows a dash in the IPFS column, and an IPFS-only one in the Mainline column.
        Assert.Matches(@"│ scrape\s*│[^│]+│[^│]+│ —", result.StandardOutput);
        Assert.Matches(@"│ get \(/ipns/\)\s*│ —", result.StandardOutput);
        Assert.All(MainlineOperations.Concat(IpfsOperations), o => Assert.Contains(o, result.StandardOutput));
    }

    [Theory]
    [InlineData("mainline", 11)]
    [InlineData("ipfs", 9)]
    public async Task Swarm_OneNetwork_RunsOnlyItsOperations(string network, int operations)
    {
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "swarm", "--network", network, "--nodes", "8", "--ipfs-nodes", "6", "--json")).AssertSuccess();

        var steps = result.Json("operation");
        Assert.Equal(operations, steps.Count);
        Assert.All(steps, s => Assert.Equal(network, s.GetProperty("network").GetString()));
    }

    [Fact]
    public async Task Swarm_Keep_ServesOtherCommandsUntilSigterm()
    {
        var wait = TimeSpan.FromSeconds(60);
        await using var swarm = CliProcess.Start("swarm", "--nodes", "8", "--ipfs-nodes", "4", "--keep", "--json");
        string bootstrap;
        string ipfsBootstrap;
        using (var first = JsonDocument.Parse(await swarm.ReadLineAsync(wait)))
        {
            bootstrap = first.RootElement.GetProperty("bootstrap").GetString()!;
            ipfsBootstrap = first.RootElement.GetProperty("ipfsBootstrap").GetString()!;
        }

        for (int i = 0; i < MainlineOperations.Length + IpfsOperations.Length; i++)
        {
            using var operation = JsonDocument.Parse(await swarm.ReadLineAsync(wait));
            Assert.Equal("operation", operation.RootElement.GetProperty("type").GetString());
        }

        var query = (await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--bootstrap", bootstrap, "--json")).AssertSuccess();
        Assert.Equal(8, query.Json("node").Count);
        var ipfsQuery = (await Cli.RunInProcessAsync("query", "--network", "ipfs", Ed25519PrivateKey.Generate().PeerId.ToString(), "--bootstrap", ipfsBootstrap, "--json")).AssertSuccess();
        Assert.Equal(4, ipfsQuery.Json("node").Count);

        await swarm.TerminateAsync();
        var result = await swarm.WaitForExitAsync(wait);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
