using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Kademlia;

public class RoutingTableAdmissionTests
{
    private static NodeInfo At(NodeId id, string ip) => new(id, new IPEndPoint(IPAddress.Parse(ip), 6881));

    [Fact]
    public void AddOrUpdate_EnforcementOn_RefusesIdsThatDoNotMatchTheirAddress()
    {
        var nodes = new RoutingTestNodes(seed: 14);
        var table = nodes.NewTable(policy: new MainlinePolicy(AddressFamily.InterNetwork, enforceNodeIdSecurity: true));
        var address = IPAddress.Parse("124.31.75.21");
        var secure = At(NodeIdSecurity.GenerateId(address, nodes.Random), "124.31.75.21");
        var insecure = At(NodeId.Random(nodes.Random), "124.31.75.22");
        var local = At(NodeId.Random(nodes.Random), "192.168.1.20");

        Assert.Equal(AddOutcome.RejectedByFilter, table.AddOrUpdate(insecure, NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(secure, NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(local, NodeContact.Responded).Outcome);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void AddOrUpdate_EnforcementOff_AddsAnyIdAndMarksWhichAreSecure()
    {
        var nodes = new RoutingTestNodes(seed: 15);
        var table = nodes.NewTable();
        var secure = At(NodeIdSecurity.GenerateId(IPAddress.Parse("65.23.51.170"), nodes.Random), "65.23.51.170");
        var insecure = At(NodeId.Random(nodes.Random), "65.23.51.171");
        table.AddOrUpdate(secure, NodeContact.Responded);
        table.AddOrUpdate(insecure, NodeContact.Responded);

        Assert.True(RoutingTestNodes.Find(table, secure.Id)!.Preferred);
        Assert.False(RoutingTestNodes.Find(table, insecure.Id)!.Preferred);
        Assert.Equal(2, table.FindClosest(NodeId.Zero, 8).Length);
        Assert.Equal([secure], table.FindClosest(NodeId.Zero, 8, ClosestNodeFilter.Preferred));
    }

    [Fact]
    public void AddOrUpdate_AdmissionFilterRefuses_NodeNotAdded()
    {
        var nodes = new RoutingTestNodes(seed: 16);
        var table = nodes.NewTable(policy: new MainlinePolicy(AddressFamily.InterNetwork, admissionFilter: n => n.EndPoint.Port != 1234));
        var refused = new NodeInfo(nodes.IdAt(0), new IPEndPoint(IPAddress.Parse("8.8.8.8"), 1234));
        Assert.Equal(AddOutcome.RejectedByFilter, table.AddOrUpdate(refused, NodeContact.Responded).Outcome);
        Assert.Equal(AddOutcome.Added, table.AddOrUpdate(nodes.NodeAt(0), NodeContact.Responded).Outcome);
    }

    [Fact]
    public void AddOrUpdate_RefusedImpostor_DoesNotEvictQuestionableOwner()
    {
        var nodes = new RoutingTestNodes(seed: 17);
        var table = nodes.NewTable(policy: new MainlinePolicy(AddressFamily.InterNetwork, enforceNodeIdSecurity: true));
        var owner = At(NodeIdSecurity.GenerateId(IPAddress.Parse("84.124.73.14"), nodes.Random), "84.124.73.14");
        table.AddOrUpdate(owner, NodeContact.Seen);

        var impostor = owner with { Id = NodeId.Random(nodes.Random) };
        Assert.Equal(AddOutcome.RejectedByFilter, table.AddOrUpdate(impostor, NodeContact.Responded).Outcome);
        Assert.True(table.Contains(owner.Id));
    }
}
