using System.Text.Json;
using DhtNet.Cli;
using DhtNet.Cli.Hosting;
using DhtNet.Cli.Output;

namespace DhtNet.Tests.Cli;

/// <summary>`dht node`: the listening line, events, clean shutdown on SIGTERM or Ctrl+C, and the saved table.</summary>
public sealed class NodeCommandTests(LoopbackSwarm swarm) : IClassFixture<LoopbackSwarm>, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("dht-cli-node-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task NodeJson_AsProcess_ListensThenReportsNodesAndSavesTableOnSigterm()
    {
        await using var node = CliProcess.Start("node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.Bootstrap, "--data-dir", _dataDirectory, "--json");

        using (var first = JsonDocument.Parse(await node.ReadLineAsync(Wait)))
        {
            var listening = first.RootElement;
            Assert.Equal("listening", listening.GetProperty("type").GetString());
            Assert.True(NodeId.TryParse(listening.GetProperty("id").GetString(), out _));
            Assert.Matches(@"^127\.0\.0\.1:\d+$", Assert.Single(listening.GetProperty("addresses").EnumerateArray()).GetString());
        }

        // Bootstrap from the swarm fills the table: one "node" object per node added.
        using (var added = JsonDocument.Parse(await node.ReadLineAsync(Wait)))
        {
            Assert.Equal("node", added.RootElement.GetProperty("type").GetString());
            Assert.Contains(swarm.Nodes, n => n.Id.ToString() == added.RootElement.GetProperty("id").GetString());
        }

        await node.TerminateAsync();
        var result = await node.WaitForExitAsync(Wait);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(result.JsonLines(), line => Assert.Contains(line.GetProperty("type").GetString(), new[] { "listening", "node", "announce", "warning" }));
        result.AssertNoStackTrace();
        var saved = await NodeStateFile.LoadAsync(_dataDirectory);
        Assert.NotEmpty(saved.Contacts);
        Assert.All(saved.Contacts, n => Assert.Contains(swarm.Nodes, s => s.Id == n.Id && LoopbackSwarm.EndPoint(s).Equals(n.EndPoint)));
    }

    [Fact]
    public async Task Node_AsProcess_ImportsOldRoutingTableOnceWithoutBootstrap()
    {
        new RoutingTableFile(_dataDirectory).Save(NodeId.Random(), [.. swarm.Nodes.Take(3).Select(n => new NodeInfo(n.Id, LoopbackSwarm.EndPoint(n)))]);
        await using var node = CliProcess.Start("node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", "none", "--data-dir", _dataDirectory);

        string line;
        do
        {
            line = await node.ReadErrorLineAsync(Wait);
        }
        while (!line.Contains("Bootstrap done", StringComparison.Ordinal));

        Assert.Matches(@"Bootstrap done: [1-9]\d* nodes", line);
        await node.TerminateAsync();
        var result = await node.WaitForExitAsync(Wait);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Restored 3 nodes", result.StandardError);
        Assert.Contains("listening on 127.0.0.1:", result.StandardOutput);

        // The state store holds the table now; the old file is set aside so it is read only once.
        Assert.False(File.Exists(Path.Combine(_dataDirectory, RoutingTableFile.FileName)));
        Assert.True(File.Exists(Path.Combine(_dataDirectory, RoutingTableFile.FileName + StateDirectory.RetiredSuffix)));
        Assert.Superset(
            swarm.Nodes.Take(3).Select(n => n.Id).ToHashSet(),
            (await NodeStateFile.LoadAsync(_dataDirectory)).Contacts.Select(n => n.Id).ToHashSet());
    }

    [Fact]
    public async Task NodeJson_InProcess_ReportsAnnounceAndStopsCleanlyOnCancel()
    {
        var stdout = new LineCapture();
        using var stop = new CancellationTokenSource();
        var run = DhtCli.RunAsync(
            ["node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", swarm.Bootstrap, "--json", "--log-level", "none"],
            new CliConsole(stdout, new StringWriter()),
            stop.Token);

        NodeId id;
        using (var listening = JsonDocument.Parse(await stdout.ReadLineAsync(Wait)))
        {
            id = NodeId.Parse(listening.RootElement.GetProperty("id").GetString()!);
        }

        // Announce the node's own id: the node itself is the closest and stores the announce.
        await WaitForJsonAsync(stdout, "node");
        var provided = await swarm.Nodes[0].ProvideAsync(id, 7777);
        Assert.True(provided.Stored > 0);
        var announce = await WaitForJsonAsync(stdout, "announce");
        Assert.Equal(id.ToString(), announce.GetProperty("infohash").GetString());
        Assert.Equal($"{LoopbackSwarm.EndPoint(swarm.Nodes[0]).Address}:7777", announce.GetProperty("address").GetString());
        Assert.False(announce.GetProperty("seed").GetBoolean());

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Wait));
    }

    [Fact]
    public async Task NodeText_InProcess_PrintsListeningLineAndStopsCleanly()
    {
        var stdout = new LineCapture();
        using var stop = new CancellationTokenSource();
        var run = DhtCli.RunAsync(
            ["node", "--network", "mainline", "--api", "none", "--port", "0", "--bind", "127.0.0.1", "--bootstrap", "none", "--log-level", "none"],
            new CliConsole(stdout, new StringWriter()),
            stop.Token);

        Assert.Matches(@"^Node [0-9a-f]{40} listening on 127\.0\.0\.1:\d+$", await stdout.ReadLineAsync(Wait));
        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(Wait));
        Assert.Contains("Stopped.", stdout.ToString());
    }

    private static async Task<JsonElement> WaitForJsonAsync(LineCapture stdout, string type)
    {
        while (true)
        {
            using var document = JsonDocument.Parse(await stdout.ReadLineAsync(Wait));
            if (document.RootElement.GetProperty("type").GetString() == type)
            {
                return document.RootElement.Clone();
            }
        }
    }
}
