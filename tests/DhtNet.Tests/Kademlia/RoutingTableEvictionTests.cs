using Table = DhtNet.Kademlia.RoutingTable<DhtNet.NodeId, DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

public class RoutingTableEvictionTests
{
    private static readonly TimeSpan PastFreshness = TimeSpan.FromMinutes(16);

    // A table whose far bucket (prefix length 0) is full of eight responding nodes added one second apart.
    private static (RoutingTestNodes Nodes, Table Table, List<NodeInfo> Full) FullBucket()
    {
        var nodes = new RoutingTestNodes(seed: 21);
        var table = nodes.NewTable();
        var full = nodes.Fill(table, 0, 8);
        table.AddOrUpdate(nodes.NodeAt(1), NodeContact.Responded); // splits, so bucket 0 is a far bucket
        return (nodes, table, full);
    }

    [Fact]
    public void AddOrUpdate_FullBucketOfGoodNodes_CachesWithoutPing()
    {
        var (nodes, table, _) = FullBucket();

        var result = table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded);

        Assert.Equal(AddOutcome.Cached, result.Outcome);
        Assert.False(result.HasPingCandidate);
        Assert.Equal(1, table.ReplacementCount);
    }

    [Fact]
    public void AddOrUpdate_FullBucketWithBadNode_ReplacesItAtOnce()
    {
        var (nodes, table, full) = FullBucket();
        Assert.Equal(FailureOutcome.Counted, table.RecordFailure(full[3].Id).Outcome);
        Assert.Equal(FailureOutcome.Bad, table.RecordFailure(full[3].Id).Outcome);

        var newcomer = nodes.NodeAt(0);
        var result = table.AddOrUpdate(newcomer, NodeContact.Seen);

        Assert.Equal(AddOutcome.ReplacedBad, result.Outcome);
        Assert.True(table.Contains(newcomer.Id));
        Assert.False(table.TryGetState(full[3].Id, out _));
        Assert.Equal(0, table.ReplacementCount);
    }

    [Fact]
    public void AddOrUpdate_FullBucketWithQuestionableNodes_AsksToPingLeastRecentlySeen()
    {
        var (nodes, table, full) = FullBucket();
        nodes.Clock.Advance(PastFreshness);
        table.AddOrUpdate(full[0], NodeContact.Responded); // full[1] is now the least recently seen

        var result = table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded);

        Assert.Equal(AddOutcome.Cached, result.Outcome);
        Assert.Equal(full[1], result.PingCandidate);
    }

    [Fact]
    public void AddOrUpdate_PingOutstanding_AsksForTheNextQuestionableNode()
    {
        var (nodes, table, full) = FullBucket();
        nodes.Clock.Advance(PastFreshness);

        Assert.Equal(full[0], table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Seen).PingCandidate);
        Assert.Equal(full[1], table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Seen).PingCandidate);

        // Once the ping timeout passes without an answer, the first may be asked for again.
        nodes.Clock.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(full[0], table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Seen).PingCandidate);
    }

    [Fact]
    public void RecordFailure_PingedNodeFailsTwice_EvictedAndNewcomerPromoted()
    {
        var (nodes, table, full) = FullBucket();
        nodes.Clock.Advance(PastFreshness);
        var newcomer = nodes.NodeAt(0);
        var candidate = table.AddOrUpdate(newcomer, NodeContact.Responded).PingCandidate;

        Assert.Equal(FailureOutcome.Counted, table.RecordFailure(candidate.Id).Outcome);
        Assert.True(table.Contains(candidate.Id));
        var second = table.RecordFailure(candidate.Id);

        Assert.Equal(FailureOutcome.Replaced, second.Outcome);
        Assert.Equal(newcomer, second.Promoted);
        Assert.False(table.TryGetState(candidate.Id, out _));
        Assert.True(table.Contains(newcomer.Id));
        Assert.Equal(9, table.Count);
        Assert.Equal(0, table.ReplacementCount);
        Assert.DoesNotContain(full[0], table.FindClosest(full[0].Id, 20));
        Assert.Contains(newcomer, table.FindClosest(newcomer.Id, 1));
    }

    [Fact]
    public void RecordFailure_SeveralWaiting_PromotesVerifiedOverUnverified()
    {
        var (nodes, table, _) = FullBucket();
        nodes.Clock.Advance(PastFreshness);
        var verified = nodes.NodeAt(0);
        var candidate = table.AddOrUpdate(verified, NodeContact.Responded).PingCandidate;
        var unverified = nodes.NodeAt(0);
        table.AddOrUpdate(unverified, NodeContact.Seen);

        table.RecordFailure(candidate.Id);
        var result = table.RecordFailure(candidate.Id);

        Assert.Equal(verified, result.Promoted);
        Assert.Equal(1, table.ReplacementCount);
    }

    [Fact]
    public void AddOrUpdate_PingedNodeResponds_StaysAndNewcomerKeepsWaiting()
    {
        var (nodes, table, _) = FullBucket();
        nodes.Clock.Advance(PastFreshness);
        var newcomer = nodes.NodeAt(0);
        var candidate = table.AddOrUpdate(newcomer, NodeContact.Responded).PingCandidate;

        Assert.Equal(AddOutcome.Updated, table.AddOrUpdate(candidate, NodeContact.Responded).Outcome);

        Assert.True(table.TryGetState(candidate.Id, out var state));
        Assert.Equal(NodeState.Good, state);
        Assert.True(table.Contains(candidate.Id));
        Assert.False(table.Contains(newcomer.Id));
        Assert.True(table.TryGetState(newcomer.Id, out _));
        Assert.Equal(1, table.ReplacementCount);
    }

    [Fact]
    public void RecordFailure_BadWithNothingWaiting_StaysButIsNeverReturned()
    {
        var (_, table, full) = FullBucket();
        table.RecordFailure(full[2].Id);
        Assert.Equal(FailureOutcome.Bad, table.RecordFailure(full[2].Id).Outcome);

        Assert.True(table.Contains(full[2].Id));
        Assert.DoesNotContain(full[2], table.FindClosest(full[2].Id, 100));

        // Answering again clears the failures.
        table.AddOrUpdate(full[2], NodeContact.Responded);
        Assert.Equal(full[2], table.FindClosest(full[2].Id, 1)[0]);
    }

    [Fact]
    public void AddOrUpdate_CacheOverflows_KeepsNewest()
    {
        var (nodes, table, _) = FullBucket();
        var waiting = new List<NodeInfo>();
        for (int i = 0; i < 10; i++)
        {
            var node = nodes.NodeAt(0);
            Assert.Equal(AddOutcome.Cached, table.AddOrUpdate(node, NodeContact.Seen).Outcome);
            waiting.Add(node);
        }

        Assert.Equal(8, table.ReplacementCount);
        Assert.False(table.TryGetState(waiting[0].Id, out _));
        Assert.False(table.TryGetState(waiting[1].Id, out _));
        Assert.True(table.TryGetState(waiting[2].Id, out _));
        Assert.True(table.TryGetState(waiting[9].Id, out _));
    }

    [Fact]
    public void RecordFailure_WaitingNodeFails_DroppedFromCache()
    {
        var (nodes, table, _) = FullBucket();
        var waiting = nodes.NodeAt(0);
        table.AddOrUpdate(waiting, NodeContact.Seen);

        Assert.Equal(FailureOutcome.Counted, table.RecordFailure(waiting.Id).Outcome);
        Assert.Equal(FailureOutcome.Removed, table.RecordFailure(waiting.Id).Outcome);
        Assert.Equal(0, table.ReplacementCount);
        Assert.Equal(FailureOutcome.Unknown, table.RecordFailure(waiting.Id).Outcome);
    }

    [Fact]
    public void Remove_NodeInFullBucket_PromotesReplacement()
    {
        var (nodes, table, full) = FullBucket();
        var waiting = nodes.NodeAt(0);
        table.AddOrUpdate(waiting, NodeContact.Seen);

        Assert.True(table.Remove(full[5].Id));

        Assert.False(table.TryGetState(full[5].Id, out _));
        Assert.True(table.Contains(waiting.Id));
        Assert.Equal(9, table.Count);
        Assert.False(table.Remove(full[5].Id));
    }

    [Fact]
    public void AddOrUpdate_WaitingNodeResponds_KeepsWaitingWhileBucketFull()
    {
        var (nodes, table, full) = FullBucket();
        var waiting = nodes.NodeAt(0);
        table.AddOrUpdate(waiting, NodeContact.Seen);
        Assert.True(table.Remove(full[0].Id));
        Assert.True(table.Contains(waiting.Id));
        var second = nodes.NodeAt(0);
        Assert.Equal(AddOutcome.Cached, table.AddOrUpdate(second, NodeContact.Seen).Outcome);

        Assert.Equal(AddOutcome.Updated, table.AddOrUpdate(waiting, NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Updated, table.AddOrUpdate(second, NodeContact.Responded).Outcome);
        Assert.False(table.Contains(second.Id));
    }
}
