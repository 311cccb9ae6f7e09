using System.Text.Json;

namespace DhtNet.Tests.Cli;

/// <summary>`dht swarm` as a real process: every operation succeeds, in both output modes, and --keep serves other commands.</summary>
public sealed class SwarmCommandTests
{
    private static readonly string[] Operations =
    [
        "ping", "query", "findpeer", "provide", "findprovs", "scrape", "sample",
        "put (immutable)", "get (immutable)", "put (mutable)", "get (mutable)",
    ];

    [Fact]
    public async Task Swarm_24NodesJson_EveryOperationSucceeds()
    {
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "swarm", "--nodes", "24", "--json")).AssertSuccess();

        var swarm = Assert.Single(result.Json("swarm"));
        Assert.Equal(24, swarm.GetProperty("nodes").GetInt32());
        Assert.Matches(@"^127\.0\.0\.1:\d+$", swarm.GetProperty("bootstrap").GetString());
        var operations = result.Json("operation");
        Assert.Equal(Operations, operations.Select(o => o.GetProperty("operation").GetString()));
        Assert.All(operations, o => Assert.True(o.GetProperty("ok").GetBoolean(), o.ToString()));
        Assert.All(operations, o => Assert.True(o.GetProperty("elapsedMs").GetDouble() >= 0));
    }

    [Fact]
    public async Task Swarm_Default64NodesText_EveryOperationSucceeds()
    {
        // The time limit only guards against a hang; speed is measured by the benchmarks, not here.
        var result = (await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "swarm")).AssertSuccess();

        Assert.Contains("64 nodes on 127.0.0.1 formed a network in", result.StandardOutput);
        Assert.Contains("All 11 operations succeeded.", result.StandardOutput);
        Assert.DoesNotContain("FAILED", result.StandardOutput);
        Assert.All(Operations, o => Assert.Contains(o, result.StandardOutput));
    }

    [Fact]
    public async Task Swarm_Keep_ServesOtherCommandsUntilSigterm()
    {
        var wait = TimeSpan.FromSeconds(60);
        await using var swarm = CliProcess.Start("swarm", "--nodes", "8", "--keep", "--json");
        string bootstrap;
        using (var first = JsonDocument.Parse(await swarm.ReadLineAsync(wait)))
        {
            bootstrap = first.RootElement.GetProperty("bootstrap").GetString()!;
        }

        for (int i = 0; i < 11; i++)
        {
            using var operation = JsonDocument.Parse(await swarm.ReadLineAsync(wait));
            Assert.Equal("operation", operation.RootElement.GetProperty("type").GetString());
        }

        var query = (await Cli.RunInProcessAsync("query", Cli.RandomHex(), "--bootstrap", bootstrap, "--json")).AssertSuccess();
        Assert.Equal(8, query.Json("node").Count);

        await swarm.TerminateAsync();
        var result = await swarm.WaitForExitAsync(wait);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
