namespace DhtNet.Tests.Node;

/// <summary>
/// The node's side of BEP 5 bucket upkeep: a full bucket parks newcomers, the node pings its
/// questionable entries, and a node that stops answering is replaced from the replacement cache.
/// </summary>
public class EvictionTests
{
    [Fact]
    public async Task FullBucket_MemberGoesSilent_ReplacedFromCache()
    {
        await using var swarm = SimulatedSwarm.Create(0, seed: 111);
        // K = 2 and ids chosen so that every other node falls in the far half of the id space.
        var hub = swarm.StartNode(swarm.Template with { K = 2, NodeId = Id(swarm, farHalf: false) });
        var added = new List<NodeInfo>();
        hub.NodeAdded += (_, e) => added.Add(e.Node);
        var hubAddress = hub.LocalEndPoints[0].ToString();
        var members = Enumerable.Range(0, 4)
            .Select(_ => swarm.StartNode(swarm.Template with { NodeId = Id(swarm, farHalf: true), BootstrapNodes = [hubAddress] }))
            .ToList();

        // Two nodes fit in the far bucket; the others wait in its replacement cache.
        Assert.Equal(2, hub.RoutingTableSize);
        var bucket = hub.GetBuckets().Single(b => b.Nodes.Count == 2);
        Assert.Equal(2, bucket.Replacements.Count);
        var silent = members.Single(m => m.Id == bucket.Nodes[0].Contact.Id);
        var kept = members.Single(m => m.Id == bucket.Nodes[1].Contact.Id);
        long pingsBefore = hub.Dispatcher!.QueriesSent;

        // One member goes silent both ways; after 15 quiet minutes it is questionable, and the
        // hub's refresh lookup and pings find it dead.
        swarm.Network.SetLinkLossRate(hub.LocalEndPoints[0], silent.LocalEndPoints[0], 1.0);
        swarm.Network.SetLinkLossRate(silent.LocalEndPoints[0], hub.LocalEndPoints[0], 1.0);
        swarm.Advance(TimeSpan.FromMinutes(16));
        // Newcomers knocking at the full bucket make the hub ping its questionable members; two
        // failed queries make a node bad (a refresh request abandoned at convergence is no failure).
        for (int round = 0; round < 2; round++)
        {
            foreach (var waiting in members.Where(m => m != silent && m != kept))
            {
                swarm.Run(waiting.PingAsync(hub.LocalEndPoints[0]));
            }

            swarm.Advance(TimeSpan.FromSeconds(20));
        }

        var table = hub.ExportNodes().Select(n => n.Id).ToList();
        Assert.DoesNotContain(silent.Id, table);
        Assert.Contains(kept.Id, table);
        Assert.Equal(2, hub.RoutingTableSize);
        var promoted = Assert.Single(table, id => id != kept.Id);
        Assert.Contains(added, n => n.Id == promoted);
        Assert.True(hub.Dispatcher.QueriesSent > pingsBefore);
    }

    private static NodeId Id(SimulatedSwarm swarm, bool farHalf) => NodeId.Random(swarm.Random).WithBit(0, farHalf);
}
