using System.Net;

namespace DhtNet.Simulation;

/// <summary>
/// Many <see cref="DhtNode"/>s on an <see cref="InMemoryNetwork"/> under a <see cref="VirtualTimeProvider"/>:
/// for testing code that embeds a node, and for measuring the protocol. Work is driven by
/// <see cref="Run{T}(Task{T})"/>, which moves the clock from timer to timer until a task completes,
/// so minutes of protocol time take milliseconds. Not thread-safe: drive it from one thread.
/// </summary>
public sealed class DhtSimulation : IAsyncDisposable
{
    private readonly DhtSimulationOptions _options;
    private readonly List<DhtNode> _nodes = [];

    public DhtSimulation(DhtSimulationOptions? options = null)
    {
        _options = options ?? new DhtSimulationOptions();
        _options.Validate();
        Random = new Random(_options.Seed);
        Network = new InMemoryNetwork(Clock, new InMemoryNetworkOptions
        {
            Latency = _options.Latency,
            Jitter = _options.Jitter,
            LossRate = _options.LossRate,
            Seed = _options.Seed,
        });
        Template = (_options.NodeTemplate ?? new DhtOptions { RequestTimeout = TimeSpan.FromSeconds(2) }) with
        {
            TimeProvider = Clock,
            BootstrapNodes = [],
        };
    }

    /// <summary>The clock every node and the network run on.</summary>
    public VirtualTimeProvider Clock { get; } = new();

    /// <summary>The simulated network (latency, loss, per-link loss, offline nodes).</summary>
    public InMemoryNetwork Network { get; }

    /// <summary>The seeded source of ids and choices; use it for targets so a run repeats.</summary>
    public Random Random { get; }

    /// <summary>The options nodes start from (the template with this simulation's clock).</summary>
    public DhtOptions Template { get; }

    /// <summary>The running nodes, in the order they joined.</summary>
    public IReadOnlyList<DhtNode> Nodes => _nodes;

    /// <summary>Starts <paramref name="count"/> nodes one after another, each bootstrapping from nodes already running.</summary>
    public void AddNodes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (int i = 0; i < count; i++)
        {
            AddNode();
        }
    }

    /// <summary>
    /// Starts one node with <paramref name="options"/> (default: <see cref="Template"/>); unless they
    /// set them, it gets a seeded random id and a few running nodes to bootstrap from.
    /// </summary>
    public DhtNode AddNode(DhtOptions? options = null)
    {
        options ??= Template;
        var bootstrap = options.BootstrapNodes.Count == 0 ? PickBootstrap(_options.BootstrapNodes) : options.BootstrapNodes;
        return StartNode(Network.CreateTransport(), options with
        {
            NodeId = options.NodeId ?? NodeId.Random(Random),
            BootstrapNodes = bootstrap,
        });
    }

    /// <summary>
    /// Starts one node with exactly <paramref name="options"/> but this simulation's clock (base them
    /// on <see cref="Template"/>; nothing else is filled in: no id or bootstrap list unless they set
    /// them) at <paramref name="endPoint"/> (default: the network's next free address).
    /// <paramref name="beforeStart"/> runs on the node before it starts, to import a saved table, say.
    /// </summary>
    public DhtNode StartNode(DhtOptions options, IPEndPoint? endPoint = null, Action<DhtNode>? beforeStart = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StartNode(endPoint is null ? Network.CreateTransport() : Network.CreateTransport(endPoint), options, beforeStart);
    }

    /// <summary>
    /// As <see cref="StartNode(DhtOptions, IPEndPoint?, Action{DhtNode}?)"/>, on a transport of the
    /// caller's (a dual-stack one of <see cref="Network"/>'s, or a wrapper around one).
    /// </summary>
    public DhtNode StartNode(IDatagramTransport transport, DhtOptions options, Action<DhtNode>? beforeStart = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        var node = new DhtNode(transport, options with { TimeProvider = Clock });
        beforeStart?.Invoke(node);
        Run(node.StartAsync());
        _nodes.Add(node);
        return node;
    }

    /// <summary>Stops <paramref name="node"/> and takes it out of <see cref="Nodes"/> (its address can then be reused).</summary>
    public async ValueTask RemoveNodeAsync(DhtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!_nodes.Remove(node))
        {
            throw new ArgumentException("The node is not part of this simulation.", nameof(node));
        }

        await node.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>"host:port" of up to <paramref name="count"/> running nodes picked at random (without repeats), for a bootstrap list.</summary>
    public List<string> PickBootstrap(int count = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // Draw until enough distinct nodes are picked (count is small next to the network).
        var picked = new List<int>();
        while (picked.Count < Math.Min(count, _nodes.Count))
        {
            int index = Random.Next(_nodes.Count);
            if (!picked.Contains(index))
            {
                picked.Add(index);
            }
        }

        return picked.ConvertAll(i => _nodes[i].LocalEndPoints[0].ToString());
    }

    /// <summary>The running node listening at <paramref name="endPoint"/>.</summary>
    /// <exception cref="KeyNotFoundException">No running node has that address.</exception>
    public DhtNode NodeAt(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        foreach (var node in _nodes)
        {
            foreach (var local in node.LocalEndPoints)
            {
                if (local.Equals(endPoint))
                {
                    return node;
                }
            }
        }

        throw new KeyNotFoundException($"No running node listens at {endPoint}.");
    }

    /// <summary>Advances the virtual clock until <paramref name="task"/> completes and returns its result.</summary>
    public T Run<T>(Task<T> task)
    {
        Run((Task)task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Advances the virtual clock until <paramref name="task"/> completes (rethrowing its exception).</summary>
    public void Run(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        // A synchronization context (a test framework's, a UI's) would move completions elsewhere;
        // the virtual clock needs everything a timer starts to happen inline, before it moves on.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            while (!task.IsCompleted)
            {
                if (!Clock.AdvanceToNextTimer())
                {
                    throw new InvalidOperationException("The clock has no timers left but the task is not complete.");
                }
            }
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Advances the virtual clock by <paramref name="delta"/>, running everything due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Clock.Advance(delta);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    /// <summary>Collects an async stream while driving the clock.</summary>
    public List<T> Collect<T>(IAsyncEnumerable<T> stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Run(ToListAsync(stream));
    }

    /// <summary>The ids of the <paramref name="count"/> nodes closest to <paramref name="target"/>, by a sort of all ids (the truth a lookup is checked against).</summary>
    public IReadOnlyList<NodeId> TrueClosest(NodeId target, int count, DhtNode? except = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var ids = new List<NodeId>(_nodes.Count);
        foreach (var node in _nodes)
        {
            if (node != except)
            {
                ids.Add(node.Id);
            }
        }

        ids.Sort((a, b) => NodeId.CompareDistance(a, b, target));
        return ids.GetRange(0, Math.Min(count, ids.Count));
    }

    /// <summary>Disposes every node and the network.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        _nodes.Clear();
        Network.Dispose();
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> stream)
    {
        var list = new List<T>();
        await foreach (var item in stream.ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }
}
