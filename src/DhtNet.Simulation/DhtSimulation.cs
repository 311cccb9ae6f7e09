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
    private readonly Dictionary<DhtNode, Liar> _liars = [];
    private readonly Random _liarRandom;

    public DhtSimulation(DhtSimulationOptions? options = null)
    {
        _options = options ?? new DhtSimulationOptions();
        _options.Validate();
        Random = new Random(_options.Seed);
        // Liars draw from their own source, so adding them does not change the rest of a seeded run.
        _liarRandom = new Random(_options.Seed ^ 0x11A2);
        Network = new InMemoryNetwork(Clock, new InMemoryNetworkOptions
        {
            Latency = _options.Latency,
            Jitter = _options.Jitter,
            LossRate = _options.LossRate,
            LinkLatency = _options.LinkLatency,
            Seed = _options.Seed,
        });
        var template = _options.NodeTemplate ?? new DhtOptions { RequestTimeout = TimeSpan.FromSeconds(2) };
        Template = template with
        {
            TimeProvider = Clock,
            BootstrapNodes = [],
            // A simulated node hears from a few thousand peers at most: a 1,024-bucket query limiter
            // (24 KiB) keeps the per-address limit without the public default's 1.5 MiB a node.
            RateLimiterSlots = Math.Min(template.RateLimiterSlots, 1024),
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
    /// Starts <paramref name="count"/> nodes at once with the tables a settled network would give
    /// them (see <see cref="WarmTables"/>) instead of joining them one by one: each starts with no
    /// bootstrap node, then imports its warm table, which holds running nodes and the nodes already
    /// in this simulation. Existing nodes' tables are left as they are. Reports each started node
    /// to <paramref name="progress"/>.
    /// </summary>
    public void AddNodesWarm(int count, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var template = Template with { BootstrapNodes = [] };
        var added = new List<DhtNode>(count);
        for (int i = 0; i < count; i++)
        {
            // No bootstrap node and an empty table: start is a self-lookup with nobody to ask, no datagram.
            added.Add(StartNode(Network.CreateTransport(), template with { NodeId = NodeId.Random(Random) }));
            progress?.Report(i + 1);
        }

        var everyone = new List<NodeInfo>(_nodes.Count);
        foreach (var node in _nodes)
        {
            everyone.Add(new NodeInfo(node.Id, node.LocalEndPoints[0]));
        }

        // Each table goes in as soon as it is drawn, so only one is ever held outside the nodes.
        int first = _nodes.Count - count;
        WarmTables.Build(everyone, Template.K, Random, (index, table) =>
        {
            if (index >= first)
            {
                added[index - first].ImportNodes(table);
            }
        });
    }

    /// <summary>
    /// Takes a random <paramref name="fraction"/> of the running nodes (never <paramref name="except"/>)
    /// off the network without telling anyone: they stay in every table but answer nothing, as nodes
    /// that left do in a real DHT. Returns them.
    /// </summary>
    public IReadOnlyList<DhtNode> SetOffline(double fraction, DhtNode? except = null)
    {
        var dead = VirtualRun.Share(_nodes.Where(n => n != except && IsOnline(n)), fraction, Random);
        foreach (var node in dead)
        {
            TransportOf(node).IsOnline = false;
        }

        return dead;
    }

    /// <summary>
    /// Makes a random <paramref name="fraction"/> of the online honest nodes (never
    /// <paramref name="except"/>) lie as <paramref name="behaviour"/> says, from now on; the lie is
    /// made on the wire (their transport's <see cref="InMemoryTransport.SendFilter"/>), the node
    /// itself is unchanged. Returns them.
    /// </summary>
    public IReadOnlyList<DhtNode> SetLiars(double fraction, Liar behaviour, DhtNode? except = null)
    {
        var liars = VirtualRun.Share(_nodes.Where(n => n != except && IsOnline(n) && !_liars.ContainsKey(n)), fraction, Random);
        foreach (var node in liars)
        {
            _liars[node] = behaviour;
            TransportOf(node).SendFilter = behaviour switch
            {
                Liar.DropQueries => static (datagram, _) => KrpcKind(datagram) is "r" or "e" ? null : datagram,
                Liar.RandomFarNodes => (datagram, _) => WithRandomNodes(datagram),
                _ => throw new ArgumentOutOfRangeException(nameof(behaviour), behaviour, "Unknown liar."),
            };
        }

        return liars;
    }

    /// <summary>Whether <paramref name="node"/> answers queries: online, and not a liar that drops them.</summary>
    public bool Answers(DhtNode node) => IsOnline(node) && !(_liars.TryGetValue(node, out var liar) && liar == Liar.DropQueries);

    /// <summary>
    /// Nodes leave and join at the rates of <paramref name="churn"/> (never <paramref name="except"/>,
    /// which stays): leaving ones go off the network unannounced, joining ones start the ordinary way,
    /// bootstrapping from three online nodes. Reports the virtual seconds passed to <paramref name="progress"/>.
    /// </summary>
    /// <returns>How many nodes left and joined.</returns>
    public (int Left, int Joined) Churn(ChurnOptions churn, DhtNode? except = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(churn);
        churn.Validate();
        return VirtualRun.Churn(Clock, churn, _nodes.Count(IsOnline), () => LeaveOne(except),
            () => AddNode(Template with { BootstrapNodes = PickOnline(_options.BootstrapNodes) }), progress);
    }

    private void LeaveOne(DhtNode? except)
    {
        // Draw until an online node comes up (most are online: the draw is short).
        for (int tries = 0; tries < 64 * Math.Max(1, _nodes.Count); tries++)
        {
            var node = _nodes[Random.Next(_nodes.Count)];
            if (node != except && IsOnline(node))
            {
                TransportOf(node).IsOnline = false;
                return;
            }
        }
    }

    private List<string> PickOnline(int count)
    {
        var online = _nodes.Where(IsOnline).ToArray();
        var picked = new List<string>(count);
        for (int i = 0; i < count * 8 && picked.Count < Math.Min(count, online.Length); i++)
        {
            string endPoint = online[Random.Next(online.Length)].LocalEndPoints[0].ToString();
            if (!picked.Contains(endPoint))
            {
                picked.Add(endPoint);
            }
        }

        return picked;
    }

    // "y" of a KRPC message: "q", "r", "e", or null when it is not one.
    private static string? KrpcKind(byte[] datagram)
    {
        try
        {
            return BencodeValue.Parse(datagram) is BencodeDictionary message && message["y"] is BencodeString kind ? kind.TryGetText() : null;
        }
        catch (BencodeException)
        {
            return null;
        }
    }

    // A response with its "nodes" replaced by as many random nodes of the network, compact-encoded.
    private byte[] WithRandomNodes(byte[] datagram)
    {
        BencodeDictionary? message;
        try
        {
            message = BencodeValue.Parse(datagram) as BencodeDictionary;
        }
        catch (BencodeException)
        {
            return datagram;
        }

        if (message?["r"] is not BencodeDictionary reply || reply["nodes"] is not BencodeString nodes)
        {
            return datagram;
        }

        const int entry = NodeId.Size + 6;
        var lies = new byte[nodes.Bytes.Length / entry * entry];
        for (int at = 0; at < lies.Length; at += entry)
        {
            var other = _nodes[_liarRandom.Next(_nodes.Count)];
            other.Id.WriteTo(lies.AsSpan(at));
            var endPoint = other.LocalEndPoints[0];
            endPoint.Address.TryWriteBytes(lies.AsSpan(at + NodeId.Size, 4), out _);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(lies.AsSpan(at + NodeId.Size + 4), (ushort)endPoint.Port);
        }

        var forged = new BencodeDictionary(reply.Entries.Select(e => KeyIs(e.Key, "nodes") ? new(e.Key, new BencodeString(lies)) : e));
        return new BencodeDictionary(message.Entries.Select(e => KeyIs(e.Key, "r") ? new KeyValuePair<byte[], BencodeValue>(e.Key, forged) : e)).Encode();
    }

    private static bool KeyIs(byte[] key, string name) => key.AsSpan().SequenceEqual(System.Text.Encoding.ASCII.GetBytes(name));

    /// <summary>Whether <paramref name="node"/> is reachable (not taken off by <see cref="SetOffline"/>).</summary>
    public bool IsOnline(DhtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return TransportOf(node).IsOnline;
    }

    /// <summary>The in-memory transport <paramref name="node"/> listens on.</summary>
    public InMemoryTransport TransportOf(DhtNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Network.TryGetTransport(node.LocalEndPoints[0], out var transport)
            ? transport
            : throw new ArgumentException("The node does not listen on this simulation's network.", nameof(node));
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
    public void Run(Task task) => VirtualRun.Until(Clock, task);

    /// <summary>Advances the virtual clock by <paramref name="delta"/>, running everything due on the way.</summary>
    public void Advance(TimeSpan delta) => VirtualRun.Advance(Clock, delta);

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
