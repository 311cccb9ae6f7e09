namespace DhtNet.Tests.Node;

public class RebootstrapTests
{
    [Fact]
    public async Task Maintenance_EmptyTable_BootstrapsAgainOnceTheRouterAnswers()
    {
        await using var swarm = SimulatedSwarm.Create(12, seed: 41);
        var router = swarm.Nodes[0];
        Assert.True(swarm.Network.TryGetTransport(router.LocalEndPoints[0], out var routerTransport));
        routerTransport.IsOnline = false;

        var newcomer = swarm.StartNode(swarm.Template with
        {
            NodeId = NodeId.Random(swarm.Random),
            BootstrapNodes = [router.LocalEndPoints[0].ToString()],
        });
        Assert.Equal(0, newcomer.RoutingTableSize);

        routerTransport.IsOnline = true;
        swarm.Advance(TimeSpan.FromMinutes(2)); // the node's maintenance runs every minute

        Assert.True(newcomer.RoutingTableSize > 1, $"the table holds {newcomer.RoutingTableSize} nodes");
        var key = NodeId.Random(swarm.Random);
        Assert.Equal(swarm.TrueClosest(key, 8, except: newcomer), swarm.Run(newcomer.QueryAsync(key)).Nodes.Select(n => n.Id));
    }
}
