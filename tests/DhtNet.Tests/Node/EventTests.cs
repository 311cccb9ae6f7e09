using System.Net;

namespace DhtNet.Tests.Node;

/// <summary>The node's events: what raises them, what they carry, and that a throwing handler harms nothing.</summary>
public class EventTests
{
    [Fact]
    public async Task NodeAdded_Joining_RaisedForEachNodeEnteringTheTable()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 31);
        var added = new List<NodeInfo>();
        var node = swarm.StartNode(
            swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = swarm.PickBootstrap() },
            beforeStart: n => n.NodeAdded += (_, e) => added.Add(e.Node));

        Assert.NotEmpty(added);
        Assert.Equal(added.Count, added.Select(n => n.Id).Distinct().Count());
        // Every node announced is a swarm node at its own address, and the table holds what was announced.
        Assert.All(added, n => Assert.Equal(n.Id, swarm.NodeAt(n.EndPoint).Id));
        Assert.Equal(node.RoutingTableSize, node.ExportNodes().Count);
        Assert.Subset(added.Select(n => n.Id).ToHashSet(), node.ExportNodes().Select(n => n.Id).ToHashSet());
    }

    [Fact]
    public async Task PeerFound_TwoProviders_RaisedForEachPeerWithItsSource()
    {
        await using var swarm = SimulatedSwarm.Create(60, seed: 32);
        var infoHash = NodeId.Random(swarm.Random);
        swarm.Run(swarm.Nodes[4].ProvideAsync(infoHash, 6001));
        swarm.Run(swarm.Nodes[9].ProvideAsync(infoHash, 6002));
        var searcher = swarm.Nodes[50];
        var events = new List<PeerFoundEventArgs>();
        searcher.PeerFound += (_, e) => events.Add(e);

        var found = swarm.Collect(searcher.FindProvidersAsync(infoHash, maxProviders: 10));

        Assert.Equal(2, found.Count);
        Assert.Equal(found.OrderBy(p => p.Port), events.Select(e => e.Peer).OrderBy(p => p.Port));
        Assert.All(events, e => Assert.Equal(infoHash, e.InfoHash));
        // The source is a node that stored the announce.
        Assert.All(events, e => Assert.NotNull(swarm.NodeAt(e.From)));
    }

    [Fact]
    public async Task AnnounceReceived_Provide_RaisedOnEveryNodeThatStored()
    {
        await using var swarm = SimulatedSwarm.Create(60, seed: 33);
        var received = new List<(DhtNode Node, AnnounceReceivedEventArgs Args)>();
        foreach (var node in swarm.Nodes)
        {
            node.AnnounceReceived += (sender, e) => received.Add(((DhtNode)sender!, e));
        }

        var infoHash = NodeId.Random(swarm.Random);
        var provider = swarm.Nodes[7];
        var result = swarm.Run(provider.ProvideAsync(infoHash, 6881));

        Assert.True(result.Stored >= 6, $"stored on {result.Stored}");
        Assert.Equal(result.Stored, received.Count);
        Assert.All(received, r => Assert.Equal(infoHash, r.Args.InfoHash));
        Assert.All(received, r => Assert.Equal(new IPEndPoint(provider.LocalEndPoints[0].Address, 6881), r.Args.Peer));
        Assert.Equal(received.Count, received.Select(r => r.Node).Distinct().Count());
    }

    [Fact]
    public async Task Warning_UnresolvableBootstrapHost_RaisedAndStartCompletes()
    {
        var clock = new VirtualTimeProvider();
        using var network = new InMemoryNetwork(clock);
        await using var node = new DhtNode(network.CreateTransport(), new DhtOptions
        {
            TimeProvider = clock,
            BootstrapNodes = ["nonexistent.invalid:6881"],
        });
        var warnings = new List<DhtWarningEventArgs>();
        node.Warning += (_, e) => warnings.Add(e);

        // Name resolution is real (not on the virtual clock): wait for it in real time.
        await node.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var warning = Assert.Single(warnings);
        Assert.Contains("nonexistent.invalid:6881", warning.Message);
        Assert.NotNull(warning.Exception);
        Assert.Equal(0, node.RoutingTableSize);
    }

    [Fact]
    public async Task Warning_NoBootstrapNodeAnswers_Raised()
    {
        await using var swarm = SimulatedSwarm.Create(0, seed: 34);
        var warnings = new List<string>();
        // 10.9.9.9 is on the network's range but nobody is there: every query times out.
        swarm.StartNode(
            swarm.Template with { BootstrapNodes = ["10.9.9.9:6881"] },
            beforeStart: n => n.Warning += (_, e) => warnings.Add(e.Message));

        Assert.Contains(warnings, w => w.Contains("no bootstrap node answered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LookupCompleted_Query_CarriesOperationTargetAndStatistics()
    {
        await using var swarm = SimulatedSwarm.Create(50, seed: 35);
        var node = swarm.Nodes[10];
        var completed = new List<LookupCompletedEventArgs>();
        node.LookupCompleted += (_, e) => completed.Add(e);
        var target = NodeId.Random(swarm.Random);

        var result = swarm.Run(node.QueryAsync(target));
        var peer = swarm.Run(node.FindPeerAsync(NodeId.Random(swarm.Random)));
        swarm.Collect(node.FindProvidersAsync(target, maxProviders: 1));

        Assert.Null(peer);
        Assert.Equal(["query", "findpeer", "findprovs"], completed.Select(e => e.Operation));
        Assert.Equal(target, completed[0].Target);
        Assert.Equal(result.Statistics, completed[0].Statistics);
        Assert.True(completed[0].Statistics.Answered >= 8);
    }

    [Fact]
    public async Task ThrowingHandlers_EveryEvent_NodeKeepsWorkingAndWarns()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 36);
        var failures = new List<DhtWarningEventArgs>();
        void Attach(DhtNode n)
        {
            n.NodeAdded += (_, _) => throw new InvalidOperationException("handler bug");
            n.PeerFound += (_, _) => throw new InvalidOperationException("handler bug");
            n.AnnounceReceived += (_, _) => throw new InvalidOperationException("handler bug");
            n.LookupCompleted += (_, _) => throw new InvalidOperationException("handler bug");
            n.Warning += (_, e) =>
            {
                failures.Add(e);
                throw new InvalidOperationException("handler bug in the warning handler");
            };
        }

        foreach (var n in swarm.Nodes)
        {
            Attach(n);
        }

        var node = swarm.StartNode(
            swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = swarm.PickBootstrap() },
            beforeStart: Attach);
        Assert.True(node.RoutingTableSize >= 8);

        var target = NodeId.Random(swarm.Random);
        var result = swarm.Run(node.QueryAsync(target));
        Assert.Equal(swarm.TrueClosest(target, 8, except: node), result.Nodes.Select(n => n.Id));

        var infoHash = NodeId.Random(swarm.Random);
        Assert.True(swarm.Run(node.ProvideAsync(infoHash, 6000)).Stored >= 6);
        var found = swarm.Collect(swarm.Nodes[3].FindProvidersAsync(infoHash));
        Assert.Equal(6000, Assert.Single(found).Port);

        // Each failing handler is reported through Warning; a failing Warning handler is only logged.
        Assert.Contains(failures, f => f.Message.Contains(nameof(DhtNode.NodeAdded), StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Message.Contains(nameof(DhtNode.LookupCompleted), StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Message.Contains(nameof(DhtNode.AnnounceReceived), StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Message.Contains(nameof(DhtNode.PeerFound), StringComparison.Ordinal));
        Assert.All(failures, f => Assert.IsType<InvalidOperationException>(f.Exception));
    }
}
