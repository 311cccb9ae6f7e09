using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>bittorrent-dht's small put/get scenarios: one node alone, two nodes, and a chain of nodes that each know only the next.</summary>
public class SmallNetworkItemTests
{
    [Fact]
    public async Task PutAsync_OneNodeAlone_StoredLocallyAndGetReturnsIt()
    {
        await using var swarm = SimulatedSwarm.Create(1, seed: 1);
        var node = swarm.Nodes[0];

        var immutable = swarm.Run(node.PutAsync(ItemValues.Text("alone")));
        Assert.Equal(0, immutable.Asked);
        Assert.True(immutable.StoredLocally);
        Assert.Equal(ItemValues.Text("alone"), swarm.Run(node.GetAsync(immutable.Target))!.Value.ToArray());

        var keyPair = Ed25519KeyPair.Generate();
        var mutable = swarm.Run(node.PutAsync(keyPair, ItemValues.Text("mine")));
        Assert.True(mutable.StoredLocally);
        var got = swarm.Run(node.GetAsync(mutable.Target));
        Assert.Equal(0, got!.Sequence);
        Assert.Equal(ItemValues.Text("mine"), got.Value.ToArray());

        // Its own store keeps seq 0, so the next put is seq 1, and an older one is refused.
        Assert.Equal(1, swarm.Run(node.PutAsync(keyPair, ItemValues.Text("mine too"))).Sequence);
        var error = Assert.Throws<DhtPutException>(() => swarm.Run(node.PutAsync(keyPair, ItemValues.Text("stale"), sequence: 0)));
        Assert.Equal(KrpcErrorCode.SequenceNumberLessThanCurrent, error.Code);
    }

    [Fact]
    public async Task PutAsync_TwoNodes_OtherNodeStoresAndGets()
    {
        await using var swarm = SimulatedSwarm.Create(2, seed: 2);
        var (a, b) = (swarm.Nodes[0], swarm.Nodes[1]);

        var immutable = swarm.Run(a.PutAsync(ItemValues.Text("two nodes")));
        Assert.Equal(1, immutable.Stored);
        var got = swarm.Run(b.GetAsync(immutable.Target));
        Assert.Equal(ItemValues.Text("two nodes"), got!.Value.ToArray());

        var keyPair = Ed25519KeyPair.Generate();
        var mutable = swarm.Run(b.PutAsync(keyPair, ItemValues.Text("from b"), "salt"u8.ToArray()));
        Assert.Equal(1, mutable.Stored);
        var read = swarm.Run(a.GetAsync(mutable.Target, "salt"u8.ToArray()));
        Assert.Equal(ItemValues.Text("from b"), read!.Value.ToArray());
        Assert.Equal(0, read.Sequence);
    }

    [Fact]
    public async Task PutAsync_ChainOfNodes_ReachesNodesThePutterDidNotKnow()
    {
        // A knows only B, B only C, and so on: the get lookup walks the chain and the put goes to its far end.
        const int Length = 6;
        await using var swarm = SimulatedSwarm.Create(0, seed: 3);
        var chain = new List<DhtNode>();
        for (int i = 0; i < Length; i++)
        {
            chain.Add(swarm.StartNode(swarm.Template with { NodeId = NodeId.Random(swarm.Random) }));
        }

        for (int i = 0; i < Length - 1; i++)
        {
            chain[i].ImportNodes([new NodeInfo(chain[i + 1].Id, chain[i + 1].LocalEndPoints[0])]);
        }

        Assert.Equal(1, chain[0].RoutingTableSize);
        var put = swarm.Run(chain[0].PutAsync(ItemValues.Text("delegated")));
        Assert.Equal(Length - 1, put.Stored);

        var keyPair = Ed25519KeyPair.Generate();
        var mutable = swarm.Run(chain[0].PutAsync(keyPair, ItemValues.Text("delegated, signed")));
        Assert.Equal(Length - 1, mutable.Stored);

        // A newcomer that knows only the last node of the chain reads both.
        var newcomer = swarm.StartNode(swarm.Template with { NodeId = NodeId.Random(swarm.Random) });
        newcomer.ImportNodes([new NodeInfo(chain[^1].Id, chain[^1].LocalEndPoints[0])]);
        Assert.Equal(ItemValues.Text("delegated"), swarm.Run(newcomer.GetAsync(put.Target))!.Value.ToArray());
        Assert.Equal(ItemValues.Text("delegated, signed"), swarm.Run(newcomer.GetAsync(mutable.Target))!.Value.ToArray());
    }
}
