using System.Net.Sockets;

namespace DhtNet.Tests.Node;

/// <summary>BEP 32 in the node: one routing table per family, lookups over both, and answers shaped by 'want'.</summary>
public class DualStackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task DualStackSwarm_TablesPerFamily_QueryFindsTrueClosestOverBoth()
    {
        await using var swarm = CreateDualStackSwarm(40, seed: 101);
        var node = swarm.Nodes[25];
        Assert.Equal(2, node.LocalEndPoints.Count);
        Assert.NotEmpty(node.GetBuckets(AddressFamily.InterNetwork).SelectMany(b => b.Nodes));
        Assert.NotEmpty(node.GetBuckets(AddressFamily.InterNetworkV6).SelectMany(b => b.Nodes));
        Assert.All(node.GetBuckets(AddressFamily.InterNetworkV6).SelectMany(b => b.Nodes), n => Assert.Equal(AddressFamily.InterNetworkV6, n.Contact.EndPoint.AddressFamily));

        var target = NodeId.Random(swarm.Random);
        var result = swarm.Run(node.QueryAsync(target));
        var expected = swarm.TrueClosest(target, 8, except: node).ToList();
        // Each of the 8 closest is found at both of its addresses.
        Assert.Equal(expected, result.Nodes.Where(n => n.EndPoint.AddressFamily == AddressFamily.InterNetwork).Select(n => n.Id));
        Assert.Equal(expected, result.Nodes.Where(n => n.EndPoint.AddressFamily == AddressFamily.InterNetworkV6).Select(n => n.Id));
    }

    [Fact]
    public async Task FindNode_Want_AnswersFamiliesAsked()
    {
        await using var swarm = CreateDualStackSwarm(30, seed: 102);
        var (asker, server) = (swarm.Nodes[3], swarm.Nodes[20]);
        var (server4, server6) = (server.LocalEndPoints[0], server.LocalEndPoints[1]);
        var target = NodeId.Random(swarm.Random);

        FindNodeResponse Ask(KrpcWant want, System.Net.IPEndPoint to) =>
            Assert.IsType<FindNodeResponse>(swarm.Run(asker.Dispatcher!.SendQueryAsync(new FindNodeQuery(asker.Id, target) { Want = want }, to, Timeout)).Response);

        var plain4 = Ask(KrpcWant.None, server4);
        Assert.Equal(8, plain4.Nodes.Length);
        Assert.Empty(plain4.Nodes6);

        var plain6 = Ask(KrpcWant.None, server6);
        Assert.Empty(plain6.Nodes);
        Assert.Equal(8, plain6.Nodes6.Length);

        var both = Ask(KrpcWant.N4 | KrpcWant.N6, server4);
        Assert.Equal(8, both.Nodes.Length);
        Assert.Equal(8, both.Nodes6.Length);
        Assert.All(both.Nodes6, n => Assert.Equal(AddressFamily.InterNetworkV6, n.EndPoint.AddressFamily));

        var only6 = Ask(KrpcWant.N6, server4);
        Assert.Empty(only6.Nodes);
        Assert.Equal(8, only6.Nodes6.Length);
    }

    // Every node has an IPv4 and an IPv6 address and bootstraps over both.
    private static SimulatedSwarm CreateDualStackSwarm(int count, int seed)
    {
        var swarm = SimulatedSwarm.Create(0, seed);
        for (int i = 0; i < count; i++)
        {
            var bootstrap = new List<string>();
            for (int j = 0; j < Math.Min(3, swarm.Nodes.Count); j++)
            {
                var other = swarm.Nodes[swarm.Random.Next(swarm.Nodes.Count)];
                bootstrap.Add(other.LocalEndPoints[0].ToString());
                bootstrap.Add(other.LocalEndPoints[1].ToString());
            }

            swarm.StartNode(
                swarm.Network.CreateDualStackTransport(),
                swarm.Template with { NodeId = NodeId.Random(swarm.Random), BootstrapNodes = bootstrap.Distinct().ToList() });
        }

        return swarm;
    }
}
