
namespace DhtNet.Tests.Kademlia;

public class RoutingTablePersistenceTests
{
    [Fact]
    public void Export_MixedStates_GoodFirstAndBadLeftOut()
    {
        var nodes = new RoutingTestNodes(seed: 9);
        var table = nodes.NewTable();
        var old = nodes.Fill(table, 0, 3);
        nodes.Clock.Advance(TimeSpan.FromMinutes(20));
        var fresh = nodes.Fill(table, 1, 3);
        var bad = nodes.NodeAt(2);
        table.AddOrUpdate(bad, NodeContact.Responded);
        table.RecordFailure(bad.Id);
        table.RecordFailure(bad.Id);

        var exported = table.Export();

        Assert.Equal(6, exported.Count);
        Assert.Equal(fresh.OrderBy(n => n.Id), exported.Take(3).OrderBy(n => n.Id));
        Assert.Equal(old.OrderBy(n => n.Id), exported.Skip(3).OrderBy(n => n.Id));
        Assert.DoesNotContain(bad, exported);
    }

    [Fact]
    public void Import_ExportedNodes_RoundTripAsUnverified()
    {
        var nodes = new RoutingTestNodes(seed: 10);
        var table = nodes.NewTable();
        for (int i = 0; i < 500; i++)
        {
            table.AddOrUpdate(nodes.NodeAt(nodes.Random.Next(0, 20)), NodeContact.Responded);
        }

        var exported = table.Export();
        var restored = nodes.NewTable();
        int added = restored.Import(exported);

        Assert.Equal(table.Count, exported.Count);
        Assert.Equal(exported.Count, added);
        Assert.Equal(table.Count, restored.Count);
        Assert.Equal(exported.OrderBy(n => n.Id), restored.Export().OrderBy(n => n.Id));
        Assert.All(restored.Buckets.SelectMany(b => b.Nodes), n =>
        {
            Assert.Equal(NodeState.Questionable, n.State);
            Assert.False(n.Verified);
        });
    }
}
