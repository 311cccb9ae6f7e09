namespace DhtNet.Tests.Node;

public class SmallSwarmTests
{
    [Fact]
    public async Task QueryAsync_SmallSwarm_FindsTrueClosest()
    {
        await using var swarm = SimulatedSwarm.Create(100, seed: 2);
        Assert.All(swarm.Nodes, n => Assert.True(n.RoutingTableSize > 0));
        var target = NodeId.Random(swarm.Random);
        var result = swarm.Run(swarm.Nodes[17].QueryAsync(target));
        Assert.Equal(swarm.TrueClosest(target, 8), result.Nodes.Select(n => n.Id));
        Assert.True(result.Statistics.Answered > 0);
    }

    [Fact]
    public async Task ProvideAndFindProviders_SmallSwarm_FindsProvider()
    {
        await using var swarm = SimulatedSwarm.Create(100, seed: 3);
        var infoHash = NodeId.Random(swarm.Random);
        var provided = swarm.Run(swarm.Nodes[5].ProvideAsync(infoHash, 7000));
        Assert.True(provided.Stored >= 6, $"only {provided.Stored} nodes stored the announce");

        var found = swarm.Collect(swarm.Nodes[80].FindProvidersAsync(infoHash, maxProviders: 10));
        var endPoint = Assert.Single(found);
        Assert.Equal(swarm.Nodes[5].LocalEndPoints[0].Address, endPoint.Address);
        Assert.Equal(7000, endPoint.Port);
    }

    [Fact]
    public async Task FindPeerAsync_SmallSwarm_FindsNode()
    {
        await using var swarm = SimulatedSwarm.Create(100, seed: 4);
        var wanted = swarm.Nodes[42];
        var endPoint = swarm.Run(swarm.Nodes[3].FindPeerAsync(wanted.Id));
        Assert.Equal(wanted.LocalEndPoints[0], endPoint);
        Assert.Null(swarm.Run(swarm.Nodes[3].FindPeerAsync(NodeId.Random(swarm.Random))));
    }
}
