using System.Net;
using Table = DhtNet.Kademlia.RoutingTable<DhtNet.NodeId, DhtNet.NodeInfo>;
using TableNode = DhtNet.Kademlia.RoutingNode<DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

public class RoutingTableIdentityTests
{
    [Fact]
    public void AddOrUpdate_OwnId_Rejected()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        Assert.Equal(AddOutcome.RejectedSelf, table.AddOrUpdate(nodes.Node(nodes.LocalId), NodeContact.Responded).Outcome);
        Assert.Equal(0, table.Count);
    }

    [Theory]
    [InlineData("2001:db8::1", 6881, AddOutcome.RejectedAddressFamily)]
    [InlineData("8.8.8.8", 0, AddOutcome.RejectedAddress)]
    [InlineData("0.0.0.0", 6881, AddOutcome.RejectedAddress)]
    [InlineData("255.255.255.255", 6881, AddOutcome.RejectedAddress)]
    [InlineData("239.1.2.3", 6881, AddOutcome.RejectedAddress)]
    [InlineData("8.8.8.8", 6881, AddOutcome.Added)]
    [InlineData("::ffff:8.8.8.8", 6881, AddOutcome.Added)]
    public void AddOrUpdate_EndPoint_CheckedForTableFamily(string ip, int port, AddOutcome expected)
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = new NodeInfo(nodes.IdAt(0), new IPEndPoint(IPAddress.Parse(ip), port));
        Assert.Equal(expected, table.AddOrUpdate(node, NodeContact.Responded).Outcome);
    }

    [Fact]
    public void AddOrUpdate_IPv6Table_RejectsIPv4()
    {
        var nodes = new RoutingTestNodes();
        var table = new Table(nodes.LocalId, new MainlinePolicy(System.Net.Sockets.AddressFamily.InterNetworkV6), nodes.Clock);
        Assert.Equal(AddOutcome.RejectedAddressFamily, table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded).Outcome);
        var v6 = new NodeInfo(nodes.IdAt(0), new IPEndPoint(IPAddress.Parse("2001:db8::7"), 6881));
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(v6, NodeContact.Responded).Outcome);
    }

    [Fact]
    public void AddOrUpdate_GoodNodesEndPointUnderNewId_Rejected()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var old = nodes.NodeAt(0);
        table.AddOrUpdate(old, NodeContact.Responded);

        var impostor = old with { Id = nodes.IdAt(0) };
        Assert.Equal(AddOutcome.RejectedConflict, table.AddOrUpdate(impostor, NodeContact.Responded).Outcome);
        Assert.True(table.Contains(old.Id));
    }

    [Fact]
    public void AddOrUpdate_QuestionableNodesEndPointUnderNewId_ReplacesIt()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var old = nodes.NodeAt(0);
        table.AddOrUpdate(old, NodeContact.Responded);
        nodes.Clock.Advance(TimeSpan.FromMinutes(15));

        var restarted = old with { Id = nodes.IdAt(3) };
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(restarted, NodeContact.Responded).Outcome);
        Assert.False(table.TryGetState(old.Id, out _));
        Assert.True(table.Contains(restarted.Id));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void AddOrUpdate_GoodIdAtNewEndPoint_RejectedUntilQuestionable()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var old = nodes.NodeAt(0);
        table.AddOrUpdate(old, NodeContact.Responded);
        var moved = nodes.Node(old.Id);

        Assert.Equal(AddOutcome.RejectedConflict, table.AddOrUpdate(moved, NodeContact.Responded).Outcome);
        nodes.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(moved, NodeContact.Responded).Outcome);
        Assert.Equal(moved, table.FindClosest(old.Id, 1)[0]);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void AddOrUpdate_KnownNodeSeenAgain_Updated()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(4);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(node, NodeContact.Seen).Outcome);
        Assert.Equal(AddOutcome.Updated, table.AddOrUpdate(node, NodeContact.Seen).Outcome);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void AddOrUpdate_UndefinedContact_ThrowsAndLeavesTableAlone()
    {
        var nodes = new RoutingTestNodes();
        var table = nodes.NewTable();
        var node = nodes.NodeAt(0);
        table.AddOrUpdate(node, NodeContact.Seen);
        nodes.Clock.Advance(TimeSpan.FromMinutes(20));

        Assert.Throws<ArgumentOutOfRangeException>(() => table.AddOrUpdate(nodes.Node(node.Id), (NodeContact)7));
        Assert.Equal(node, table.FindClosest(node.Id, 1)[0]);
    }
}
