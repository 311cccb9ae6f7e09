using DhtNet.Tests.Node;
using Xunit.Abstractions;

namespace DhtNet.Tests.Items;

/// <summary>Immutable put/get on the 500-node in-memory network.</summary>
[Collection(ItemSwarmCollection.Name)]
public class ImmutableItemSwarmTests(ItemSwarmFixture fixture, ITestOutputHelper output)
{
    private SimulatedSwarm Swarm => fixture.Swarm;

    [Fact]
    public void PutAsync_ImmutableValue_StoredOnClosestAndFoundFromAnyNode()
    {
        byte[] value = "d4:name13:dht-immutable4:sizei42ee"u8.ToArray();
        var put = Swarm.Run(Swarm.Nodes[10].PutAsync(value));
        Assert.Equal(NodeId.Sha1(value), put.Target);
        Assert.Null(put.Sequence);
        Assert.True(put.Stored >= 6, $"only {put.Stored} of {put.Asked} nodes stored it");
        Assert.True(put.StoredLocally);
        output.WriteLine($"put: lookup {put.Statistics}, stored on {put.Stored} of {put.Asked}");

        foreach (int asker in new[] { 11, 222, 499 })
        {
            var got = Swarm.Run(Swarm.Nodes[asker].GetAsync(put.Target));
            Assert.NotNull(got);
            output.WriteLine($"get from node {asker}: {got.Statistics}");
            Assert.Equal(value, got.Value.ToArray());
            Assert.False(got.IsMutable);
            Assert.Null(got.Sequence);
            Assert.Equal(0, got.Rejected);
            Assert.True(got.Statistics.Answered > 0);
        }
    }

    [Fact]
    public void GetAsync_UnknownTarget_ReturnsNullAfterALookup()
    {
        var target = NodeId.Random(new Random(5));
        var before = Swarm.Nodes[12].Dispatcher!.QueriesSent;
        Assert.Null(Swarm.Run(Swarm.Nodes[12].GetAsync(target)));
        Assert.True(Swarm.Nodes[12].Dispatcher!.QueriesSent > before);
    }

    [Fact]
    public void GetAsync_ImmutableItem_StopsEarlierThanAFullLookup()
    {
        byte[] value = ItemValues.Text("stop early");
        var put = Swarm.Run(Swarm.Nodes[13].PutAsync(value));
        var got = Swarm.Run(Swarm.Nodes[14].GetAsync(put.Target));
        var full = Swarm.Run(Swarm.Nodes[14].QueryAsync(put.Target));
        Assert.NotNull(got);
        output.WriteLine($"get {got.Statistics.Queried} queries, full lookup {full.Statistics.Queried}");
        Assert.True(got.Statistics.Queried < full.Statistics.Queried,
            $"the get sent {got.Statistics.Queried} queries, a full lookup {full.Statistics.Queried}");
        Assert.Equal(ItemRules.ImmutableTarget(got.Value.Span), put.Target);
    }
}
