using System.Net;
using DhtNet.Clock;
using DhtNet.Transport;

namespace DhtNet.Tests.Node;

/// <summary>
/// Many DhtNodes on an in-memory network under a virtual clock. Work is driven by
/// <see cref="Run{T}"/>, which moves the clock from timer to timer until a task completes, so
/// minutes of protocol time take milliseconds and a run is repeatable for a seed.
/// </summary>
internal sealed class SimulatedSwarm : IAsyncDisposable
{
    private SimulatedSwarm(int seed, double lossRate, DhtOptions? template)
    {
        Random = new Random(seed);
        Network = new InMemoryNetwork(Clock, new InMemoryNetworkOptions
        {
            Latency = TimeSpan.FromMilliseconds(20),
            Jitter = TimeSpan.FromMilliseconds(30),
            LossRate = lossRate,
            Seed = seed,
        });
        Template = (template ?? new DhtOptions()) with
        {
            TimeProvider = Clock,
            BootstrapNodes = [],
            RequestTimeout = TimeSpan.FromSeconds(2),
        };
    }

    public VirtualTimeProvider Clock { get; } = new();

    public InMemoryNetwork Network { get; }

    public Random Random { get; }

    public DhtOptions Template { get; }

    public List<DhtNode> Nodes { get; } = [];

    /// <summary>
    /// Starts <paramref name="count"/> nodes one after another; each bootstraps from a few nodes
    /// already running, as a node joining the real network does from routers and a saved table.
    /// </summary>
    public static SimulatedSwarm Create(int count, int seed = 1, double lossRate = 0, DhtOptions? template = null)
    {
        var swarm = new SimulatedSwarm(seed, lossRate, template);
        for (int i = 0; i < count; i++)
        {
            swarm.AddNode();
        }

        return swarm;
    }

    public DhtNode AddNode(DhtOptions? options = null)
    {
        var bootstrap = new List<string>();
        for (int i = 0; i < Math.Min(3, Nodes.Count); i++)
        {
            bootstrap.Add(Nodes[Random.Next(Nodes.Count)].LocalEndPoints[0].ToString());
        }

        var node = new DhtNode(Network.CreateTransport(), (options ?? Template) with
        {
            NodeId = NodeId.Random(Random),
            BootstrapNodes = bootstrap.Distinct().ToList(),
        });
        Run(node.StartAsync());
        Nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Starts a node with exactly <paramref name="options"/> (base them on <see cref="Template"/>:
    /// nothing is filled in, so no id or bootstrap list unless they say so) at
    /// <paramref name="endPoint"/> (null: the next free 10.x address). <paramref name="beforeStart"/>
    /// runs on the node before it starts (to import a saved table, say). The node joins <see cref="Nodes"/>.
    /// </summary>
    public DhtNode StartNode(DhtOptions options, IPEndPoint? endPoint = null, Action<DhtNode>? beforeStart = null) =>
        StartNodeOn(endPoint is null ? Network.CreateTransport() : Network.CreateTransport(endPoint), options, beforeStart);

    /// <summary>As <see cref="StartNode"/>, on a transport of your own (such as a wrapper around one of <see cref="Network"/>'s).</summary>
    public DhtNode StartNodeOn(IDatagramTransport transport, DhtOptions options, Action<DhtNode>? beforeStart = null)
    {
        var node = new DhtNode(transport, options);
        beforeStart?.Invoke(node);
        Run(node.StartAsync());
        Nodes.Add(node);
        return node;
    }

    /// <summary>"host:port" of up to <paramref name="count"/> running nodes picked at random, for a bootstrap list.</summary>
    public List<string> PickBootstrap(int count = 3)
    {
        var picked = new List<string>();
        for (int i = 0; i < Math.Min(count, Nodes.Count); i++)
        {
            picked.Add(Nodes[Random.Next(Nodes.Count)].LocalEndPoints[0].ToString());
        }

        return picked.Distinct().ToList();
    }

    /// <summary>Advances the virtual clock by <paramref name="delta"/>, running everything due on the way.</summary>
    public void Advance(TimeSpan delta)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        Clock.Advance(delta);
    }

    /// <summary>Advances the virtual clock until <paramref name="task"/> completes.</summary>
    public T Run<T>(Task<T> task)
    {
        Run((Task)task);
        return task.GetAwaiter().GetResult();
    }

    public void Run(Task task)
    {
        // xunit's synchronization context would move completions to the thread pool; the virtual
        // clock needs everything a timer starts to happen inline, before it moves on.
        SynchronizationContext.SetSynchronizationContext(null);
        while (!task.IsCompleted)
        {
            if (!Clock.AdvanceToNextTimer())
            {
                throw new InvalidOperationException("The clock has no timers left but the task is not complete.");
            }
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Collects an async stream while driving the clock.</summary>
    public List<T> Collect<T>(IAsyncEnumerable<T> stream) => Run(ToListAsync(stream));

    /// <summary>The ids of the <paramref name="count"/> nodes closest to <paramref name="target"/>, by a sort of all ids.</summary>
    public IEnumerable<NodeId> TrueClosest(NodeId target, int count, DhtNode? except = null) =>
        Nodes.Where(n => n != except).Select(n => n.Id).OrderBy(id => id.Xor(target)).Take(count);

    public DhtNode NodeAt(IPEndPoint endPoint) => Nodes.Single(n => n.LocalEndPoints[0].Equals(endPoint));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

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
