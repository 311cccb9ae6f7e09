namespace DhtNet.Tests.Node;

/// <summary>The library's simulation helper (used by the alpha benchmark and by embedders' own tests).</summary>
public class DhtSimulationTests
{
    [Fact]
    public async Task AddNodes_ThenLookups_FindTrueClosestAndProviders()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 91 });
        simulation.AddNodes(80);
        var probe = simulation.AddNode(simulation.Template with { Alpha = 3 });

        Assert.Equal(81, simulation.Nodes.Count);
        Assert.Equal(3, probe.Options.Alpha);
        Assert.Same(simulation.Clock, probe.Options.TimeProvider);
        var target = NodeId.Random(simulation.Random);
        Assert.Equal(simulation.TrueClosest(target, 8, except: probe), simulation.Run(probe.QueryAsync(target)).Nodes.Select(n => n.Id));

        var infoHash = NodeId.Random(simulation.Random);
        simulation.Run(simulation.Nodes[10].ProvideAsync(infoHash, 4242));
        Assert.Equal(4242, Assert.Single(simulation.Collect(probe.FindProvidersAsync(infoHash))).Port);

        var before = simulation.Clock.Elapsed;
        simulation.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(before + TimeSpan.FromMinutes(31), simulation.Clock.Elapsed);
        Assert.Empty(simulation.Collect(probe.FindProvidersAsync(infoHash)));
    }

    [Fact]
    public async Task Run_KeepsCallersSynchronizationContext()
    {
        var context = new SynchronizationContext();
        var previous = SynchronizationContext.Current;
        await using var simulation = new DhtSimulation();
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            simulation.AddNodes(2);
            Assert.Same(context, SynchronizationContext.Current);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        Assert.Equal(2, simulation.Nodes.Count);
    }

    [Fact]
    public async Task StartNodeAndRemoveNodeAsync_SavedIdAndAddress_RestartedNodeRejoins()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 92 });
        simulation.AddNodes(30);
        var old = simulation.Nodes[12];
        var (id, endPoint) = (old.Id, old.LocalEndPoints[0]);
        Assert.Same(old, simulation.NodeAt(endPoint));

        await simulation.RemoveNodeAsync(old);
        Assert.Equal(29, simulation.Nodes.Count);
        Assert.Throws<KeyNotFoundException>(() => simulation.NodeAt(endPoint));
        await Assert.ThrowsAsync<ArgumentException>(() => simulation.RemoveNodeAsync(old).AsTask());

        var restarted = simulation.StartNode(simulation.Template with { NodeId = id, BootstrapNodes = simulation.PickBootstrap() }, endPoint);
        Assert.Same(restarted, simulation.NodeAt(endPoint));
        Assert.Same(simulation.Clock, restarted.Options.TimeProvider);
        Assert.Equal(endPoint, simulation.Run(simulation.Nodes[0].FindPeerAsync(id)));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void Constructor_BadLossRate_ThrowsNamingIt(double lossRate)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new DhtSimulation(new DhtSimulationOptions { LossRate = lossRate }));
        Assert.Equal(nameof(DhtSimulationOptions.LossRate), error.ParamName);
    }
}
