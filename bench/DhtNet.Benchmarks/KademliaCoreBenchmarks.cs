using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
#if KADEMLIA_BASELINE
using OldContact = DhtNet.Benchmarks.Baseline.Routing.NodeContact;
using OldLookup = DhtNet.Benchmarks.Baseline.Lookup.IterativeLookup;
using OldLookupOptions = DhtNet.Benchmarks.Baseline.Lookup.LookupOptions;
using OldLookupReply = DhtNet.Benchmarks.Baseline.Lookup.LookupReply;
using OldOutcome = DhtNet.Benchmarks.Baseline.Routing.AddOutcome;
using OldTable = DhtNet.Benchmarks.Baseline.Routing.RoutingTable;
using OldTableOptions = DhtNet.Benchmarks.Baseline.Routing.RoutingTableOptions;
#endif

namespace DhtNet.Benchmarks;

/// <summary>
/// The Kademlia core as the Mainline node runs it (<see cref="NodeInfo"/> contacts, Mainline's
/// address policy): find-closest from a table of 2,000 offered nodes, an update of a known node, and a
/// whole lookup on a 1,000-node network that answers at once (so the lookup's own cost is measured,
/// not the network's). After <c>Baseline/extract.sh</c> the same three run on the table and lookup from
/// before the redesign (the Old* baselines), in the same run; none of the New ones may be slower or
/// allocate more.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KademliaCoreBenchmarks
{
    private const int TableNodes = 2_000;
    private const int NetworkNodes = 1_000;
    private const int K = 8;

    private readonly NodeInfo[] _buffer = new NodeInfo[K];
    private RoutingTable<NodeId, NodeInfo> _table = null!;
    private NodeId[] _targets = null!;
    private NodeInfo[] _known = null!;
    private Dictionary<NodeId, NodeInfo[]> _answers = null!;
    private NodeInfo[] _seeds = null!;
    // Each side walks the same inputs with its own cursor, so that the harness can give old and new
    // the same targets and contacts in each round (see Rewind).
    private int _next;
#if KADEMLIA_BASELINE
    private OldTable _oldTable = null!;
    private int _oldNext;
#endif

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var localId = NodeId.Random(random);
        _table = new RoutingTable<NodeId, NodeInfo>(localId, new MainlinePolicy(AddressFamily.InterNetwork), TimeProvider.System, new RoutingTableOptions { Random = new Random(1) });
#if KADEMLIA_BASELINE
        _oldTable = new OldTable(localId, AddressFamily.InterNetwork, TimeProvider.System, new OldTableOptions { Random = new Random(1) });
#endif
        for (int i = 0; i < TableNodes; i++)
        {
            // Half uniformly random, half near our id, so that the table is deep as a live one is.
            var id = i % 2 == 0 ? NodeId.Random(random) : KademliaKey.RandomWithPrefix(localId, random.Next(1, 24), random);
            _table.AddOrUpdate(new NodeInfo(id, Address(i)), NodeContact.Responded);
#if KADEMLIA_BASELINE
            _oldTable.AddOrUpdate(new NodeInfo(id, Address(i)), OldContact.Responded);
#endif
        }

        _known = [.. _table.Export()];
        _targets = [.. Enumerable.Range(0, 256).Select(_ => NodeId.Random(random))];

        var network = Enumerable.Range(0, NetworkNodes).Select(i => new NodeInfo(NodeId.Random(random), Address(i))).ToArray();
        _answers = [];
        foreach (var node in network)
        {
            // Each node knows its 16 nearest and 24 random others, and answers with all of them.
            _answers[node.Id] = network.OrderBy(n => n.Id.Xor(node.Id)).Skip(1).Take(16)
                .Concat(Enumerable.Range(0, 24).Select(_ => network[random.Next(NetworkNodes)])).Distinct().ToArray();
        }

        _seeds = network[..3];
    }

    [Benchmark, BenchmarkCategory("FindClosest8")]
    public int FindClosest8() => _table.FindClosest(NextTarget(), _buffer);

    [Benchmark, BenchmarkCategory("UpdateKnown")]
    public AddOutcome UpdateKnown() => _table.AddOrUpdate(NextKnown(), NodeContact.Responded).Outcome;

    [Benchmark, BenchmarkCategory("Lookup1000")]
    public int Lookup1000()
    {
        var lookup = new IterativeLookup<NodeId, NodeInfo>(NextTarget(), (node, _) => Task.FromResult(LookupReply<NodeInfo>.From(_answers[node.Id])),
            new LookupOptions { SoftTimeout = TimeSpan.Zero }, TimeProvider.System, accept: static n => n.EndPoint.Port != 0);
        lookup.AddCandidates(_seeds);
        return lookup.RunAsync().GetAwaiter().GetResult().Statistics.Queried;
    }

#if KADEMLIA_BASELINE
    [Benchmark(Baseline = true), BenchmarkCategory("FindClosest8")]
    public int OldFindClosest8() => _oldTable.FindClosest(OldNextTarget(), _buffer);

    [Benchmark(Baseline = true), BenchmarkCategory("UpdateKnown")]
    public OldOutcome OldUpdateKnown() => _oldTable.AddOrUpdate(OldNextKnown(), OldContact.Responded).Outcome;

    [Benchmark(Baseline = true), BenchmarkCategory("Lookup1000")]
    public int OldLookup1000()
    {
        var lookup = new OldLookup(OldNextTarget(), (node, _) => Task.FromResult(OldLookupReply.From(_answers[node.Id])),
            new OldLookupOptions { SoftTimeout = TimeSpan.Zero }, TimeProvider.System);
        lookup.AddCandidates(_seeds);
        return lookup.RunAsync().GetAwaiter().GetResult().Statistics.Queried;
    }

    private NodeId OldNextTarget() => _targets[_oldNext++ & 255];

    private NodeInfo OldNextKnown() => _known[_oldNext++ % _known.Length];
#endif

    /// <summary>Puts both sides' cursors back to the first input: from here on, equal numbers of calls see equal inputs.</summary>
    internal void Rewind()
    {
        _next = 0;
#if KADEMLIA_BASELINE
        _oldNext = 0;
#endif
    }

    internal static IPEndPoint Address(int i) => new(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 6881);

    private NodeId NextTarget() => _targets[_next++ & 255];

    private NodeInfo NextKnown() => _known[_next++ % _known.Length];
}
