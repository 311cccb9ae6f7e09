using System.Net;
using DhtNet.Tests.Node;
using Xunit.Abstractions;

namespace DhtNet.Tests.Items;

/// <summary>BEP 51: sampling one node, and walking a 200-node swarm for every stored infohash.</summary>
public class SamplingTests(ITestOutputHelper output)
{
    private const int Infohashes = 100;

    [Fact]
    public async Task SampleInfohashesAsync_NodeStoringInfohashes_ReturnsThem()
    {
        await using var swarm = SimulatedSwarm.Create(200, seed: 51);
        var infoHashes = Provide(swarm, Infohashes);

        // The node closest to an infohash stores it, along with a few others.
        var holder = swarm.NodeAt(swarm.Nodes.OrderBy(n => n.Id.Xor(infoHashes[0])).First().LocalEndPoints[0]);
        var asker = swarm.Nodes.First(n => n != holder);
        var target = NodeId.Random(swarm.Random);
        var sample = swarm.Run(asker.SampleInfohashesAsync(holder.LocalEndPoints[0], target));

        Assert.NotNull(sample);
        Assert.Contains(infoHashes[0], sample.Samples);
        Assert.All(sample.Samples, h => Assert.Contains(h, infoHashes));
        Assert.Equal(sample.Num, sample.Samples.Count);
        Assert.True(sample.Interval > 0);
        Assert.Equal(holder.Id, sample.Responder.Id);
        Assert.NotEmpty(sample.Nodes);
    }

    [Fact]
    public async Task SampleInfohashesAsync_NobodyThere_ReturnsNull()
    {
        await using var swarm = SimulatedSwarm.Create(2, seed: 52);
        var nowhere = new IPEndPoint(IPAddress.Parse("10.255.255.1"), 6881);
        Assert.Null(swarm.Run(swarm.Nodes[0].SampleInfohashesAsync(nowhere, NodeId.Zero)));
    }

    [Fact]
    public async Task EnumerateInfohashesAsync_Swarm200_CollectsNearlyEveryStoredInfohashOnce()
    {
        await using var swarm = SimulatedSwarm.Create(200, seed: 53);
        var infoHashes = Provide(swarm, Infohashes);

        var found = swarm.Collect(swarm.Nodes[199].EnumerateInfohashesAsync(maxNodes: 200));

        output.WriteLine($"found {found.Count} of {Infohashes} infohashes");
        Assert.Equal(found.Count, found.Distinct().Count());
        Assert.All(found, h => Assert.Contains(h, infoHashes));
        Assert.True(found.Count >= 95, $"found {found.Count} of {Infohashes}");
    }

    [Fact]
    public async Task EnumerateInfohashesAsync_FewNodes_StopsAfterThem()
    {
        await using var swarm = SimulatedSwarm.Create(200, seed: 54);
        var infoHashes = Provide(swarm, Infohashes);
        var walker = swarm.Nodes[100];
        long before = walker.Dispatcher!.QueriesSent;

        var found = swarm.Collect(walker.EnumerateInfohashesAsync(maxNodes: 3));

        // Each node holds a handful of the 100 infohashes (each is stored on about 8 of 200 nodes).
        Assert.InRange(found.Count, 1, 40);
        Assert.InRange(walker.Dispatcher.QueriesSent - before, 3, 6);
    }

    private static NodeId[] Provide(SimulatedSwarm swarm, int count)
    {
        var infoHashes = Enumerable.Range(0, count).Select(_ => NodeId.Random(swarm.Random)).ToArray();
        var providers = infoHashes.Select(_ => swarm.Nodes[swarm.Random.Next(swarm.Nodes.Count)]).ToArray();
        var results = swarm.Run(Task.WhenAll(infoHashes.Select((h, i) => providers[i].ProvideAsync(h, 6000 + i))));
        Assert.All(results, r => Assert.True(r.Stored >= 6));
        return infoHashes;
    }
}
