using Xunit.Abstractions;

namespace DhtNet.Tests.Simulation;

/// <summary>
/// What a simulated node costs: a 100,000-node simulation has to fit in a few GB, so the heap a
/// warm-built node holds is bounded here and cannot grow back unnoticed.
/// </summary>
[Collection(MeasurementCollection.Name)]
public sealed class SimulatedNodeMemoryTests(ITestOutputHelper output)
{
    // Measured 16.3 KB a node at 2,000 (about 11 KB of it the routing table's ~110 entries). Before
    // the query limiter, peer store and token HMACs were allocated on first use it was about 44 KB.
    private const int BoundBytesPerNode = 24 * 1024;

    [Fact]
    public async Task AddNodesWarm_2000Nodes_HeapPerNodeUnderBound()
    {
        const int Nodes = 2_000;
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 11 });
        simulation.AddNodesWarm(Nodes);
        long perNode = (GC.GetTotalMemory(forceFullCollection: true) - before) / Nodes;
        output.WriteLine($"{perNode} bytes of managed heap per node");

        Assert.All(simulation.Nodes, n => Assert.True(n.RoutingTableSize >= 8, $"{n.Id} holds {n.RoutingTableSize} nodes"));
        Assert.InRange(perNode, 1, BoundBytesPerNode);
    }

    [Fact]
    public void Build_OneTableAtATime_SameTablesAsAllAtOnce()
    {
        var random = new Random(12);
        var nodes = Enumerable.Range(0, 200)
            .Select(i => new NodeInfo(NodeId.Random(random), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1000 + i)))
            .ToArray();
        var all = WarmTables.Build(nodes, 8, new Random(13));
        var streamed = new List<NodeId>[nodes.Length];
        WarmTables.Build(nodes, 8, new Random(13), (index, table) =>
        {
            Assert.Null(streamed[index]); // each node once
            streamed[index] = [.. table.Select(n => n.Id)];
        });

        Assert.Equal(all.Select(t => t.Select(n => n.Id)), streamed);
    }
}
