using System.Net;

namespace DhtNet.Tests.Node;

/// <summary>Routing table export and restore: a node started from a saved table alone joins the network.</summary>
public class SaveRestoreTests
{
    [Fact]
    public async Task ImportNodes_NewNodeWithSavedTableAndNoBootstrap_JoinsNetwork()
    {
        await using var swarm = SimulatedSwarm.Create(80, seed: 51);
        var saved = swarm.Nodes[25].ExportNodes();
        Assert.True(saved.Count >= 8, $"only {saved.Count} nodes exported");

        var newcomer = swarm.StartNode(
            swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = [] },
            beforeStart: n => Assert.Equal(saved.Count, n.ImportNodes(saved)));

        Assert.True(newcomer.RoutingTableSize >= 8, $"the newcomer knows {newcomer.RoutingTableSize} nodes");
        var target = NodeId.Random(swarm.Random);
        Assert.Equal(swarm.TrueClosest(target, 8, except: newcomer), swarm.Run(newcomer.QueryAsync(target)).Nodes.Select(n => n.Id));
        // The others learned of it while it bootstrapped: it can be found.
        Assert.Equal(newcomer.LocalEndPoints[0], swarm.Run(swarm.Nodes[70].FindPeerAsync(newcomer.Id)));
    }

    [Fact]
    public async Task ExportNodes_RestartSameIdAndAddress_RejoinsFromSavedTable()
    {
        await using var swarm = SimulatedSwarm.Create(80, seed: 52);
        var old = swarm.Nodes[40];
        var (id, endPoint, saved) = (old.Id, old.LocalEndPoints[0], old.ExportNodes());
        Assert.All(saved, n => Assert.NotEqual(id, n.Id));
        await swarm.RemoveNodeAsync(old);

        var restarted = swarm.StartNode(
            swarm.Template with { NodeId = id, BootstrapNodes = [] },
            endPoint,
            n => n.ImportNodes(saved));

        Assert.Equal(endPoint, restarted.LocalEndPoints[0]);
        Assert.True(restarted.RoutingTableSize >= saved.Count / 2, $"{restarted.RoutingTableSize} of {saved.Count} saved nodes back");
        var target = NodeId.Random(swarm.Random);
        Assert.Equal(swarm.TrueClosest(target, 8, except: restarted), swarm.Run(restarted.QueryAsync(target)).Nodes.Select(n => n.Id));
        Assert.Equal(endPoint, swarm.Run(swarm.Nodes[5].FindPeerAsync(id)));
    }

    [Fact]
    public async Task AddNode_BeforeStartWithoutBootstrap_UsedToBootstrap()
    {
        await using var swarm = SimulatedSwarm.Create(50, seed: 53);
        var newcomer = swarm.StartNode(
            swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = [] },
            beforeStart: n => n.AddNode(swarm.Nodes[7].LocalEndPoints[0]));

        Assert.True(newcomer.RoutingTableSize >= 8);
        var target = NodeId.Random(swarm.Random);
        Assert.Equal(swarm.TrueClosest(target, 8, except: newcomer), swarm.Run(newcomer.QueryAsync(target)).Nodes.Select(n => n.Id));
    }

    [Fact]
    public async Task AddNodeAndImportNodes_AfterStart_NodesEnterTable()
    {
        await using var swarm = SimulatedSwarm.Create(10, seed: 54);
        var loner = swarm.StartNode(swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = [] });
        Assert.Equal(0, loner.RoutingTableSize);

        loner.AddNode(swarm.Nodes[0].LocalEndPoints[0]);
        swarm.Run(loner.PingAsync(swarm.Nodes[1].LocalEndPoints[0]));
        swarm.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, loner.RoutingTableSize);

        int imported = loner.ImportNodes(swarm.Nodes.Skip(2).Take(3).Select(n => new NodeInfo(n.Id, n.LocalEndPoints[0])));
        Assert.Equal(3, imported);
        Assert.Equal(5, loner.RoutingTableSize);
        Assert.Contains(loner.ExportNodes(), n => n.Id == swarm.Nodes[0].Id);
        Assert.True(loner.RemoveNode(swarm.Nodes[0].Id));
        Assert.False(loner.RemoveNode(swarm.Nodes[0].Id));
        Assert.Equal(4, loner.RoutingTableSize);
    }
}
