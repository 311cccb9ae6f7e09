
namespace DhtNet.Tests.Kademlia;

public class RoutingTableRefreshTests
{
    private static readonly TimeSpan Freshness = TimeSpan.FromMinutes(15);

    [Fact]
    public void GetBucketsToRefresh_FreshTable_Empty()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        Assert.Empty(table.GetBucketsToRefresh());
        nodes.Clock.Advance(Freshness - TimeSpan.FromSeconds(1));
        Assert.Empty(table.GetBucketsToRefresh());
    }

    [Fact]
    public void GetBucketsToRefresh_UnchangedFifteenMinutes_RandomTargetInsideEachBucket()
    {
        var nodes = new RoutingTestNodes(seed: 3);
        var table = nodes.NewTable();
        for (int prefix = 0; prefix < 6; prefix++)
        {
            nodes.Fill(table, prefix, 8);
        }

        nodes.Fill(table, 6, 1);
        nodes.Clock.Advance(Freshness);

        var buckets = table.Buckets;
        var due = table.GetBucketsToRefresh();
        Assert.Equal(buckets.Count, due.Count);
        for (int i = 0; i < due.Count; i++)
        {
            Assert.Equal(buckets[i].Prefix, due[i].Prefix);
            Assert.Equal(buckets[i].Depth, due[i].Depth);
            Assert.True(buckets[i].Contains(due[i].Target), $"bucket {i}");
            for (int other = 0; other < buckets.Count; other++)
            {
                Assert.Equal(other == i, buckets[other].Contains(due[i].Target));
            }
        }
    }

    [Fact]
    public void GetBucketsToRefresh_RepeatedCalls_TargetsDifferButStayInRange()
    {
        var nodes = new RoutingTestNodes(seed: 4);
        var table = nodes.NewTable();
        nodes.Fill(table, 0, 8);
        nodes.Fill(table, 1, 8);
        nodes.Fill(table, 2, 1);
        nodes.Clock.Advance(Freshness);

        var targets = new HashSet<NodeId>();
        for (int round = 0; round < 50; round++)
        {
            foreach (var refresh in table.GetBucketsToRefresh())
            {
                Assert.True(refresh.Target.CommonPrefixLength(refresh.Prefix) >= refresh.Depth);
                targets.Add(refresh.Target);
            }
        }

        Assert.Equal(150, targets.Count);
    }

    [Fact]
    public void GetBucketsToRefresh_TouchedBucket_NotDue()
    {
        var nodes = new RoutingTestNodes(seed: 5);
        var table = nodes.NewTable();
        var far = nodes.Fill(table, 0, 8);
        nodes.Fill(table, 1, 1);
        nodes.Clock.Advance(Freshness);

        table.AddOrUpdate(far[0], NodeContact.Responded); // a response touches bucket 0
        var due = Assert.Single(table.GetBucketsToRefresh());
        Assert.Equal(1, due.Depth);
        Assert.True(due.Target.CommonPrefixLength(nodes.LocalId) >= 1);

        table.MarkRefreshed(due.Target);
        Assert.Empty(table.GetBucketsToRefresh());
    }

    [Fact]
    public void GetBucketsToRefresh_QueryFromKnownNode_DoesNotTouchBucket()
    {
        var nodes = new RoutingTestNodes(seed: 6);
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Responded);
        nodes.Clock.Advance(Freshness);

        table.AddOrUpdate(node, NodeContact.Queried);
        Assert.Single(table.GetBucketsToRefresh());
    }
}
