using System.Net;

namespace DhtNet.Tests.Node;

/// <summary>
/// The tests' <see cref="DhtSimulation"/>: nodes always get a 2 s request timeout, and driving the
/// clock leaves xunit's synchronization context off for the rest of the test.
/// </summary>
/// <remarks>
/// <see cref="DhtSimulation"/> puts the caller's context back after each call. Tests start async
/// methods of their own between calls; with xunit's context in place their continuations would be
/// posted to the thread pool, out of step with the virtual clock, so here it stays cleared.
/// </remarks>
internal sealed class SimulatedSwarm : IAsyncDisposable
{
    private SimulatedSwarm(DhtSimulation simulation) => Simulation = simulation;

    public DhtSimulation Simulation { get; }

    public VirtualTimeProvider Clock => Simulation.Clock;

    public InMemoryNetwork Network => Simulation.Network;

    public Random Random => Simulation.Random;

    public DhtOptions Template => Simulation.Template;

    public IReadOnlyList<DhtNode> Nodes => Simulation.Nodes;

    /// <summary>
    /// Starts <paramref name="count"/> nodes one after another; each bootstraps from a few nodes
    /// already running, as a node joining the real network does from routers and a saved table.
    /// </summary>
    public static SimulatedSwarm Create(int count, int seed = 1, double lossRate = 0, DhtOptions? template = null)
    {
        var swarm = new SimulatedSwarm(new DhtSimulation(new DhtSimulationOptions
        {
            Seed = seed,
            LossRate = lossRate,
            NodeTemplate = (template ?? new DhtOptions()) with { RequestTimeout = TimeSpan.FromSeconds(2) },
        }));
        ClearSynchronizationContext();
        swarm.Simulation.AddNodes(count);
        return swarm;
    }

    /// <inheritdoc cref="DhtSimulation.AddNode"/>
    public DhtNode AddNode() => Simulation.AddNode();

    /// <inheritdoc cref="DhtSimulation.StartNode(DhtOptions, IPEndPoint?, Action{DhtNode}?)"/>
    public DhtNode StartNode(DhtOptions options, IPEndPoint? endPoint = null, Action<DhtNode>? beforeStart = null) =>
        Simulation.StartNode(options, endPoint, beforeStart);

    /// <inheritdoc cref="DhtSimulation.StartNode(IDatagramTransport, DhtOptions, Action{DhtNode}?)"/>
    public DhtNode StartNode(IDatagramTransport transport, DhtOptions options, Action<DhtNode>? beforeStart = null) =>
        Simulation.StartNode(transport, options, beforeStart);

    /// <inheritdoc cref="DhtSimulation.RemoveNodeAsync"/>
    public ValueTask RemoveNodeAsync(DhtNode node) => Simulation.RemoveNodeAsync(node);

    /// <inheritdoc cref="DhtSimulation.PickBootstrap"/>
    public List<string> PickBootstrap(int count = 3) => Simulation.PickBootstrap(count);

    /// <inheritdoc cref="DhtSimulation.Advance"/>
    public void Advance(TimeSpan delta)
    {
        ClearSynchronizationContext();
        Simulation.Advance(delta);
    }

    /// <inheritdoc cref="DhtSimulation.Run{T}(Task{T})"/>
    public T Run<T>(Task<T> task)
    {
        ClearSynchronizationContext();
        return Simulation.Run(task);
    }

    /// <inheritdoc cref="DhtSimulation.Run(Task)"/>
    public void Run(Task task)
    {
        ClearSynchronizationContext();
        Simulation.Run(task);
    }

    /// <inheritdoc cref="DhtSimulation.Collect"/>
    public List<T> Collect<T>(IAsyncEnumerable<T> stream)
    {
        ClearSynchronizationContext();
        return Simulation.Collect(stream);
    }

    /// <inheritdoc cref="DhtSimulation.TrueClosest"/>
    public IReadOnlyList<NodeId> TrueClosest(NodeId target, int count, DhtNode? except = null) =>
        Simulation.TrueClosest(target, count, except);

    /// <inheritdoc cref="DhtSimulation.NodeAt"/>
    public DhtNode NodeAt(IPEndPoint endPoint) => Simulation.NodeAt(endPoint);

    public ValueTask DisposeAsync() => Simulation.DisposeAsync();

    private static void ClearSynchronizationContext() => SynchronizationContext.SetSynchronizationContext(null);
}
