using Table = DhtNet.Kademlia.RoutingTable<DhtNet.NodeId, DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

public class RoutingTableSplitTests
{
    [Fact]
    public void Buckets_EmptyTable_OneBucketCoveringEverything()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();

        var bucket = Assert.Single(table.Buckets);
        Assert.Equal(0, bucket.Depth);
        Assert.True(bucket.Contains(NodeId.Zero));
        Assert.True(bucket.Contains(NodeId.Max));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void AddOrUpdate_NinthNodeInFirstBucket_SplitsIntoHalves()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        nodes.Fill(table, 0, 8);
        Assert.Single(table.Buckets);

        var ninth = nodes.NodeAt(1);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(ninth, NodeContact.Responded).Outcome);

        var buckets = table.Buckets;
        Assert.Equal(2, buckets.Count);
        Assert.All(buckets, b => Assert.Equal(1, b.Depth));
        Assert.False(buckets[0].Contains(nodes.LocalId));
        Assert.True(buckets[1].Contains(nodes.LocalId));
        Assert.Equal(8, buckets[0].Nodes.Count);
        Assert.Equal(ninth, Assert.Single(buckets[1].Nodes).Contact);
        Assert.Equal(9, table.Count);
    }

    [Fact]
    public void AddOrUpdate_ManyNodesFarFromUs_FarBucketNeverSplits()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        for (int i = 0; i < 100; i++)
        {
            table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded);
        }

        var buckets = table.Buckets;
        Assert.Equal(2, buckets.Count);
        Assert.Equal(8, buckets[0].Nodes.Count);
        Assert.Equal(8, buckets[0].Replacements.Count);
        Assert.Empty(buckets[1].Nodes);
        Assert.Equal(8, table.Count);
        Assert.Equal(8, table.ReplacementCount);
    }

    [Fact]
    public void AddOrUpdate_EightNodesAtEachPrefix_OneBucketPerPrefixLength()
    {
        var nodes = new RoutingTestNodes(seed: 5);
        var table = nodes.NewTable();
        for (int prefix = 0; prefix <= 5; prefix++)
        {
            nodes.Fill(table, prefix, 8);
        }

        // Buckets 0..4 hold the nodes sharing exactly 0..4 bits with us; our own bucket (depth 5) holds
        // the eight sharing 5 bits and is full but has not needed to split yet.
        var buckets = table.Buckets;
        Assert.Equal(6, buckets.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i + 1, buckets[i].Depth);
            Assert.False(buckets[i].Contains(nodes.LocalId));
            Assert.Equal(i, buckets[i].Prefix.CommonPrefixLength(nodes.LocalId));
            Assert.Equal(8, buckets[i].Nodes.Count);
            Assert.All(buckets[i].Nodes, n => Assert.Equal(i, n.Contact.Id.CommonPrefixLength(nodes.LocalId)));
        }

        Assert.Equal(5, buckets[5].Depth);
        Assert.True(buckets[5].Contains(nodes.LocalId));
        Assert.Equal(48, table.Count);

        var extra = nodes.NodeAt(5);
        Assert.Equal(AddOutcome.Cached, table.AddOrUpdate(extra, NodeContact.Responded).Outcome);
        buckets = table.Buckets;
        Assert.Equal(7, buckets.Count);
        Assert.Equal(6, buckets[5].Depth);
        Assert.Equal(extra, Assert.Single(buckets[5].Replacements).Contact);
        Assert.Equal(6, buckets[6].Depth);
        Assert.Empty(buckets[6].Nodes);
    }

    [Fact]
    public void AddOrUpdate_NodesAtEveryDepth_StopsAt160Buckets()
    {
        var nodes = new RoutingTestNodes(seed: 8);
        var table = nodes.NewTable(new RoutingTableOptions { BucketSize = 1 });
        for (int prefix = 0; prefix < NodeId.Bits; prefix++)
        {
            Assert.Equal(AddOutcome.Added, table.AddOrUpdate(nodes.NodeAt(prefix), NodeContact.Responded).Outcome);
        }

        Assert.Equal(Table.MaxBuckets, table.Buckets.Count);
        Assert.Equal(NodeId.Bits, table.Count);
        Assert.Equal(159, table.Buckets[^1].Depth);

        // Every bucket is full of good nodes and none can split any more: newcomers can only wait.
        Assert.Equal(AddOutcome.Cached, table.AddOrUpdate(nodes.NodeAt(150), NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Cached, table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded).Outcome);
        Assert.Equal(Table.MaxBuckets, table.Buckets.Count);
    }

    [Fact]
    public void AddOrUpdate_RandomIds_EveryNodeInsideItsBucketRange()
    {
        var nodes = new RoutingTestNodes(seed: 12);
        var table = nodes.NewTable();
        for (int i = 0; i < 3000; i++)
        {
            table.AddOrUpdate(nodes.NodeAt(nodes.Random.Next(0, 24)), NodeContact.Seen);
        }

        var buckets = table.Buckets;
        int total = 0;
        foreach (var bucket in buckets)
        {
            Assert.InRange(bucket.Nodes.Count, 0, 8);
            Assert.InRange(bucket.Replacements.Count, 0, 8);
            Assert.All(bucket.Nodes, n => Assert.True(bucket.Contains(n.Contact.Id)));
            Assert.All(bucket.Replacements, n => Assert.True(bucket.Contains(n.Contact.Id)));
            total += bucket.Nodes.Count;
        }

        Assert.Equal(total, table.Count);
        Assert.True(buckets.Count >= 20, $"{buckets.Count} buckets");
    }
}
