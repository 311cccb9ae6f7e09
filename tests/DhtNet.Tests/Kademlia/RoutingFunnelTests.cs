using System.Net;

namespace DhtNet.Tests.Kademlia;

/// <summary><see cref="RoutingTable{TKey, TContact}.Report"/>: every request's outcome reaches the table through this one method.</summary>
public class RoutingFunnelTests
{
    private static readonly TimeSpan PastFreshness = TimeSpan.FromMinutes(16);

    [Fact]
    public void Report_Answered_AddsGoodVerifiedNodeWithRoundTrip()
    {
        var nodes = new RoutingTestNodes(seed: 31);
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);

        var change = table.Report(node, RequestOutcome.Answered(TimeSpan.FromMilliseconds(42)));

        Assert.True(change.HasNewNode);
        Assert.Equal(node, change.NewNode);
        Assert.False(change.HasPingCandidate);
        var entry = RoutingTestNodes.Find(table, node.Id)!;
        Assert.Equal(NodeState.Good, entry.State);
        Assert.True(entry.Verified);
        Assert.Equal(TimeSpan.FromMilliseconds(42), entry.RoundTrip);
    }

    [Fact]
    public void Report_AnsweredByKnownNode_NothingToActOnAndFailuresCleared()
    {
        var nodes = new RoutingTestNodes(seed: 32);
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.Report(node, RequestOutcome.Answered(TimeSpan.FromMilliseconds(10)));
        table.Report(node, RequestOutcome.TimedOut);
        Assert.Equal(1, RoutingTestNodes.Find(table, node.Id)!.FailedQueries);

        var change = table.Report(node, RequestOutcome.Answered(TimeSpan.FromMilliseconds(30)));

        Assert.Equal(RoutingChange<NodeInfo>.None, change);
        Assert.Equal(0, RoutingTestNodes.Find(table, node.Id)!.FailedQueries);
        Assert.Equal(TimeSpan.FromMilliseconds(30), RoutingTestNodes.Find(table, node.Id)!.RoundTrip);
    }

    [Fact]
    public void Report_SeenNodeNeverAnswered_HasNoRoundTrip()
    {
        var nodes = new RoutingTestNodes(seed: 33);
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Seen);
        Assert.Null(RoutingTestNodes.Find(table, node.Id)!.RoundTrip);
    }

    [Fact]
    public void Report_FullBucketGoneQuestionable_NamesPingCandidateAndTimeoutsEvictIt()
    {
        var nodes = new RoutingTestNodes(seed: 34);
        var table = nodes.NewTable();
        var full = nodes.Fill(table, 0, 8);
        table.AddOrUpdate(nodes.NodeAt(1), NodeContact.Responded);
        nodes.Clock.Advance(PastFreshness);
        var newcomer = nodes.NodeAt(0);

        var cached = table.Report(newcomer, RequestOutcome.Answered(TimeSpan.FromMilliseconds(5)));
        Assert.False(cached.HasNewNode);
        Assert.True(cached.HasPingCandidate);
        Assert.Equal(full[0], cached.PingCandidate);

        Assert.Equal(RoutingChange<NodeInfo>.None, table.Report(full[0], RequestOutcome.TimedOut));
        var evicted = table.Report(full[0], RequestOutcome.TimedOut);

        Assert.True(evicted.HasNewNode);
        Assert.Equal(newcomer, evicted.NewNode);
        Assert.False(table.TryGetState(full[0].Id, out _));
        Assert.True(table.Contains(newcomer.Id));
    }

    [Fact]
    public void Report_Inconclusive_ChangesNothing()
    {
        var nodes = new RoutingTestNodes(seed: 35);
        var table = nodes.NewTable();
        var known = nodes.NodeAt(0);
        table.Report(known, RequestOutcome.Answered(TimeSpan.Zero));
        table.Report(known, RequestOutcome.TimedOut);

        Assert.Equal(RoutingChange<NodeInfo>.None, table.Report(known, RequestOutcome.Inconclusive));
        Assert.Equal(RoutingChange<NodeInfo>.None, table.Report(nodes.NodeAt(1), RequestOutcome.Inconclusive));

        Assert.Equal(1, table.Count);
        Assert.Equal(1, RoutingTestNodes.Find(table, known.Id)!.FailedQueries);
    }

    [Fact]
    public void Report_UndefinedStatus_Throws()
    {
        var nodes = new RoutingTestNodes(seed: 36);
        var table = nodes.NewTable();
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Report(nodes.NodeAt(0), new RequestOutcome((RequestStatus)9, TimeSpan.Zero)));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void AddOrUpdate_OpenPolicy_SameKeyNewAddressUpdatesTheContact()
    {
        // Without an address index (keys derived from identity) a key's addresses may change freely.
        var clock = new VirtualTimeProvider();
        var random = new Random(37);
        var table = new RoutingTable<Key256, Peer>(Key256.Random(random), OpenRoutingPolicy<Key256, Peer>.Instance, clock);
        var id = Key256.Random(random);
        var before = new Peer(id, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 4001));
        var after = new Peer(id, new IPEndPoint(IPAddress.Parse("10.0.0.2"), 4001));
        var sharing = new Peer(Key256.Random(random), before.EndPoint);

        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(before, NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Updated, table.AddOrUpdate(after, NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(sharing, NodeContact.Responded).Outcome);

        Assert.Equal(after, table.FindClosest(id, 1)[0]);
        Assert.Equal(2, table.Count);
        Assert.Equal(256, RoutingTable<Key256, Peer>.MaxBuckets);
    }
}
