using System.Net;
using BenchmarkDotNet.Attributes;

namespace DhtNet.Benchmarks;

/// <summary>
/// The serving path of a node, datagram in to reply bytes out: one query handed to the node's
/// transport handler exactly as a receive thread hands it (dispatcher, rate limiter, decode,
/// handler, encode, send), the reply caught where the socket would take it. The node's routing
/// table is warmed on a simulated network first, so find_node and get_peers answer with 8 nodes.
/// Queries come from <see cref="Queriers"/> source addresses in turn, each with an id of its own,
/// the rate limit set high enough never to refuse. Allocated bytes per operation are the figure to
/// watch: 0 for queriers the routing table knows (the steady state of a node's regular askers).
/// With 1,024 queriers in turn, more than the table and its replacement caches hold, every query
/// offers the table a contact it has forgotten, and the table makes a new entry for it: that is the
/// table learning, not the serving path, and it shows as the difference between the two rows.
/// </summary>
[MemoryDiagnoser]
[ExceptionDiagnoser]
public class ServingBenchmarks
{
    private const int Sources = 1024;

    /// <summary>How many distinct queriers (address and id) take turns: 1 or <see cref="Sources"/>.</summary>
    [Params(1, Sources)]
    public int Queriers { get; set; }

    private DhtSimulation _simulation = null!;
    private CapturingTransport _transport = null!;
    private IPEndPoint[] _sources = null!;
    private byte[][] _ping = null!;
    private byte[][] _findNode = null!;
    private byte[][] _getPeers = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 7 });
        _simulation.AddNodes(200);
        _transport = new CapturingTransport(_simulation.Network.CreateTransport());
        _simulation.StartNode(_transport, _simulation.Template with
        {
            NodeId = NodeId.Random(_simulation.Random),
            BootstrapNodes = _simulation.PickBootstrap(3),
            MaxQueriesPerSecondPerAddress = 1_000_000_000,
        });
        _simulation.Advance(TimeSpan.FromMinutes(2));
        _transport.Capturing = true;

        // Each source is one querier with an id of its own, as on the network.
        _sources = new IPEndPoint[Sources];
        _ping = new byte[Sources][];
        _findNode = new byte[Sources][];
        _getPeers = new byte[Sources][];
        byte[] transaction = "aa"u8.ToArray();
        for (int i = 0; i < Sources; i++)
        {
            _sources[i] = new IPEndPoint(new IPAddress([10, 1, (byte)(i >> 8), (byte)i]), 6881);
            var sender = NodeId.Random(_simulation.Random);
            _ping[i] = Encode(new PingQuery(sender) { TransactionId = transaction });
            _findNode[i] = Encode(new FindNodeQuery(sender, NodeId.Random(_simulation.Random)) { TransactionId = transaction });
            _getPeers[i] = Encode(new GetPeersQuery(sender, NodeId.Random(_simulation.Random)) { TransactionId = transaction });
        }

        // The warm-up must have filled the table, or find_node would measure an empty answer.
        Serve(_findNode);
        if (_transport.LastLength < 8 * 26)
        {
            throw new InvalidOperationException($"find_node reply has {_transport.LastLength} bytes: the table is not warm.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _simulation.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public int Ping() => Serve(_ping);

    [Benchmark]
    public int FindNode() => Serve(_findNode);

    [Benchmark]
    public int GetPeers() => Serve(_getPeers);

    private static byte[] Encode(KrpcMessage query)
    {
        byte[] buffer = new byte[256];
        return buffer.AsSpan(0, KrpcCodec.Encode(query, buffer)).ToArray();
    }

    private int Serve(byte[][] datagrams)
    {
        int i = _next;
        _next = i + 1 == Queriers ? 0 : i + 1;
        _transport.Deliver(datagrams[i], _sources[i]);
        return _transport.LastLength;
    }

    /// <summary>An in-memory transport whose replies, once <see cref="Capturing"/>, stop at the socket's edge.</summary>
    private sealed class CapturingTransport(InMemoryTransport inner) : IDatagramTransport
    {
        private DatagramHandler? _handler;

        public bool Capturing { get; set; }

        public int LastLength { get; private set; }

        public IReadOnlyList<IPEndPoint> LocalEndPoints => inner.LocalEndPoints;

        public void Start(DatagramHandler handler)
        {
            _handler = handler;
            inner.Start(handler);
        }

        public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
        {
            if (!Capturing)
            {
                return inner.Send(datagram, destination);
            }

            LastLength = datagram.Length;
            return true;
        }

        public void Deliver(ReadOnlySpan<byte> datagram, IPEndPoint source) => _handler!(datagram, source);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
