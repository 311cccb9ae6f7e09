using Table = DhtNet.Kademlia.RoutingTable<DhtNet.NodeId, DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

public class RoutingTableStateTests
{
    private static NodeState StateOf(Table table, NodeId id)
    {
        Assert.True(table.TryGetState(id, out var state));
        return state;
    }

    [Fact]
    public void TryGetState_RespondedNode_GoodForFifteenMinutesThenQuestionable()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Responded);

        nodes.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.Equal(NodeState.Good, StateOf(table, node.Id));
        nodes.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(NodeState.Questionable, StateOf(table, node.Id));
    }

    [Fact]
    public void TryGetState_QueriedButNeverResponded_Questionable()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(node, NodeContact.Queried).Outcome);
        Assert.Equal(NodeState.Questionable, StateOf(table, node.Id));
    }

    [Fact]
    public void TryGetState_SeenOnly_Questionable()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Seen);
        Assert.Equal(NodeState.Questionable, StateOf(table, node.Id));
        Assert.False(Assert.Single(Assert.Single(table.Buckets).Nodes).Verified);
    }

    [Fact]
    public void TryGetState_RespondedOnceThenQueriesLater_GoodAgain()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Responded);
        nodes.Clock.Advance(TimeSpan.FromMinutes(40));
        Assert.Equal(NodeState.Questionable, StateOf(table, node.Id));

        table.AddOrUpdate(node, NodeContact.Queried);
        Assert.Equal(NodeState.Good, StateOf(table, node.Id));
        nodes.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(NodeState.Questionable, StateOf(table, node.Id));
    }

    [Fact]
    public void RecordFailure_TwiceInARow_Bad()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Responded);

        table.RecordFailure(node.Id);
        Assert.Equal(NodeState.Good, StateOf(table, node.Id));
        table.RecordFailure(node.Id);
        Assert.Equal(NodeState.Bad, StateOf(table, node.Id));
    }

    [Fact]
    public void RecordFailure_ResponseBetweenFailures_CountStartsOver()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Responded);

        table.RecordFailure(node.Id);
        table.AddOrUpdate(node, NodeContact.Responded);
        table.RecordFailure(node.Id);
        Assert.Equal(NodeState.Good, StateOf(table, node.Id));
        Assert.Equal(1, RoutingTestNodes.Find(table, node.Id)!.FailedQueries);
    }

    [Fact]
    public void RecordFailure_ThresholdOption_Respected()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable(new RoutingTableOptions { FailuresBeforeBad = 3 });
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Responded);
        table.RecordFailure(node.Id);
        table.RecordFailure(node.Id);
        Assert.NotEqual(NodeState.Bad, StateOf(table, node.Id));
        table.RecordFailure(node.Id);
        Assert.Equal(NodeState.Bad, StateOf(table, node.Id));
    }

    [Fact]
    public void Buckets_Snapshot_ReportsContactTimes()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        var start = nodes.Clock.GetUtcNow();
        table.AddOrUpdate(node, NodeContact.Responded);
        nodes.Clock.Advance(TimeSpan.FromMinutes(3));
        table.AddOrUpdate(node, NodeContact.Queried);
        nodes.Clock.Advance(TimeSpan.FromMinutes(1));

        var bucket = Assert.Single(table.Buckets);
        var entry = Assert.Single(bucket.Nodes);
        Assert.Equal(start, entry.LastResponse);
        Assert.Equal(start + TimeSpan.FromMinutes(3), entry.LastQuery);
        Assert.Equal(start, bucket.LastChanged);
        Assert.True(entry.Verified);
        Assert.Equal(NodeState.Good, entry.State);
    }
}
