using Table = DhtNet.Kademlia.RoutingTable<DhtNet.NodeId, DhtNet.NodeInfo>;
using TableNode = DhtNet.Kademlia.RoutingNode<DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

public class RoutingTableFindClosestTests
{
    // Table contents that FindClosest may return (not bad), read from the snapshot.
    private static List<TableNode> Eligible(Table table)
    {
        var all = new List<TableNode>();
        foreach (var bucket in table.Buckets)
        {
            all.AddRange(bucket.Nodes.Where(n => n.State != NodeState.Bad));
        }

        return all;
    }

    private static NodeInfo[] BruteForce(IEnumerable<TableNode> nodes, NodeId target, int count) =>
        nodes.Select(n => n.Contact).OrderBy(n => n.Id.Xor(target)).Take(count).ToArray();

    // 2,000 nodes: half uniformly random, half close to our id, so the table is deep; some answer, some fail.
    // Small replacement caches, so that some bad nodes remain in buckets.
    private static (RoutingTestNodes Nodes, Table Table) Populated(int bucketSize, int seed)
    {
        var nodes = new RoutingTestNodes(seed);
        var table = nodes.NewTable(new RoutingTableOptions { BucketSize = bucketSize, ReplacementCacheSize = 2, Random = new Random(seed) });
        for (int i = 0; i < 2000; i++)
        {
            var node = i % 2 == 0 ? nodes.Node(NodeId.Random(nodes.Random)) : nodes.NodeAt(nodes.Random.Next(0, 40));
            table.AddOrUpdate(node, (NodeContact)(i % 3));
            if (i % 100 == 0)
            {
                nodes.Clock.Advance(TimeSpan.FromMinutes(1));
            }
        }

        // Fail every third node twice: while replacements wait they take over, then bad nodes stay.
        var inBuckets = table.Buckets.SelectMany(b => b.Nodes).ToList();
        for (int i = 0; i < inBuckets.Count; i += 3)
        {
            table.RecordFailure(inBuckets[i].Contact.Id);
            table.RecordFailure(inBuckets[i].Contact.Id);
        }

        return (nodes, table);
    }

    [Theory]
    [InlineData(8, 1)]
    [InlineData(8, 2)]
    [InlineData(20, 3)]
    public void FindClosest_RandomTargets_EqualsBruteForceSort(int bucketSize, int seed)
    {
        var (nodes, table) = Populated(bucketSize, seed);
        var eligible = Eligible(table);
        Assert.True(eligible.Count > 100, $"only {eligible.Count} nodes");
        Assert.True(table.Buckets.Count > 15, $"only {table.Buckets.Count} buckets");
        Assert.Contains(table.Buckets.SelectMany(b => b.Nodes), n => n.State == NodeState.Bad);

        var targets = new List<NodeId> { nodes.LocalId, NodeId.Zero, NodeId.Max };
        for (int i = 0; i < 300; i++)
        {
            targets.Add(NodeId.Random(nodes.Random));
            targets.Add(nodes.IdAt(nodes.Random.Next(0, 40)));
        }

        targets.AddRange(eligible.Take(50).Select(n => n.Contact.Id));
        var buffer = new NodeInfo[64];
        foreach (var target in targets)
        {
            foreach (int count in new[] { 1, 8, 20, 64 })
            {
                int written = table.FindClosest(target, buffer.AsSpan(0, count));
                Assert.Equal(BruteForce(eligible, target, count), buffer[..written]);
            }
        }

        Assert.Equal(BruteForce(eligible, nodes.LocalId, 5000), table.FindClosest(nodes.LocalId, 5000));
    }

    [Fact]
    public void FindClosest_GoodOrVerifiedFilter_MatchesBruteForceOverThoseNodes()
    {
        var (nodes, table) = Populated(8, 4);
        nodes.Clock.Advance(TimeSpan.FromMinutes(5));
        var eligible = Eligible(table);
        var good = eligible.Where(n => n.State == NodeState.Good).ToList();
        var verified = eligible.Where(n => n.Verified).ToList();
        Assert.NotEmpty(good);
        Assert.True(verified.Count > good.Count);

        for (int i = 0; i < 200; i++)
        {
            var target = NodeId.Random(nodes.Random);
            Assert.Equal(BruteForce(good, target, 8), table.FindClosest(target, 8, ClosestNodeFilter.Good));
            Assert.Equal(BruteForce(verified, target, 8), table.FindClosest(target, 8, ClosestNodeFilter.Verified));
        }
    }

    [Fact]
    public void FindClosest_EmptyTableOrDestination_ReturnsNothing()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        Assert.Empty(table.FindClosest(NodeId.Zero, 8));
        table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded);
        Assert.Equal(0, table.FindClosest(NodeId.Zero, Span<NodeInfo>.Empty));
        Assert.Single(table.FindClosest(NodeId.Zero, 8));
    }

    [Fact]
    public void FindClosest_SpanOverload_AllocatesNothing()
    {
        var (nodes, table) = Populated(8, 5);
        var buffer = new NodeInfo[8];
        var target = NodeId.Random(nodes.Random);
        table.FindClosest(target, buffer);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            table.FindClosest(target, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
