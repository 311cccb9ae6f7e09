using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using DhtNet.Kademlia;
using DhtNet.Routing;
using AddOutcome = DhtNet.Routing.AddOutcome;
using KadContact = DhtNet.Kademlia.NodeContact;
using KadLookupOptions = DhtNet.Kademlia.LookupOptions;
using KadTableOptions = DhtNet.Kademlia.RoutingTableOptions;
using LookupOptions = DhtNet.Lookup.LookupOptions;
using NodeContact = DhtNet.Routing.NodeContact;
using RoutingTableOptions = DhtNet.Routing.RoutingTableOptions;

namespace DhtNet.Benchmarks;

/// <summary>
/// Today's Mainline routing table and lookup against the generic Kademlia core instantiated with
/// <see cref="NodeId"/>, on the same nodes: find-closest from a table of 2,000 offered nodes, an
/// update of a known node, and a whole lookup on a 1,000-node network that answers at once (so the
/// lookup's own cost is measured, not the network's). "No slowdown" means each New is within noise
/// of its Old baseline and allocates the same.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KademliaCoreBenchmarks
{
    private const int TableNodes = 2_000;
    private const int NetworkNodes = 1_000;
    private const int K = 8;

    private readonly NodeInfo[] _oldBuffer = new NodeInfo[K];
    private readonly Peer[] _newBuffer = new Peer[K];
    private RoutingTable _oldTable = null!;
    private RoutingTable<NodeId, Peer> _newTable = null!;
    private NodeId[] _targets = null!;
    private NodeInfo[] _known = null!;
    private Dictionary<NodeId, NodeInfo[]> _oldAnswers = null!;
    private Dictionary<NodeId, Peer[]> _newAnswers = null!;
    private NodeInfo[] _oldSeeds = null!;
    private Peer[] _newSeeds = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var localId = NodeId.Random(random);
        var time = TimeProvider.System;
        _oldTable = new RoutingTable(localId, AddressFamily.InterNetwork, time, new RoutingTableOptions { Random = new Random(1) });
        _newTable = new RoutingTable<NodeId, Peer>(localId, new EndPointPolicy(), time, new KadTableOptions { Random = new Random(1) });
        for (int i = 0; i < TableNodes; i++)
        {
            // Half uniformly random, half near our id, so that the table is deep as a live one is.
            var id = i % 2 == 0 ? NodeId.Random(random) : KademliaKey.RandomWithPrefix(localId, random.Next(1, 24), random);
            var node = new NodeInfo(id, Address(i));
            _oldTable.AddOrUpdate(node, NodeContact.Responded);
            _newTable.AddOrUpdate(new Peer(node.Id, node.EndPoint), KadContact.Responded);
        }

        _known = [.. _oldTable.Export()];
        _targets = [.. Enumerable.Range(0, 256).Select(_ => NodeId.Random(random))];

        var network = Enumerable.Range(0, NetworkNodes).Select(i => new NodeInfo(NodeId.Random(random), Address(i))).ToArray();
        _oldAnswers = [];
        _newAnswers = [];
        foreach (var node in network)
        {
            // Each node knows its 16 nearest and 24 random others, and answers with all of them.
            var known = network.OrderBy(n => n.Id.Xor(node.Id)).Skip(1).Take(16)
                .Concat(Enumerable.Range(0, 24).Select(_ => network[random.Next(NetworkNodes)])).Distinct().ToArray();
            _oldAnswers[node.Id] = known;
            _newAnswers[node.Id] = [.. known.Select(n => new Peer(n.Id, n.EndPoint))];
        }

        _oldSeeds = network[..3];
        _newSeeds = [.. _oldSeeds.Select(n => new Peer(n.Id, n.EndPoint))];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("FindClosest8")]
    public int OldFindClosest() => _oldTable.FindClosest(NextTarget(), _oldBuffer);

    [Benchmark, BenchmarkCategory("FindClosest8")]
    public int NewFindClosest() => _newTable.FindClosest(NextTarget(), _newBuffer);

    [Benchmark(Baseline = true), BenchmarkCategory("UpdateKnown")]
    public AddOutcome OldUpdate() => _oldTable.AddOrUpdate(NextKnown(), NodeContact.Responded).Outcome;

    [Benchmark, BenchmarkCategory("UpdateKnown")]
    public Kademlia.AddOutcome NewUpdate()
    {
        var node = NextKnown();
        return _newTable.AddOrUpdate(new Peer(node.Id, node.EndPoint), KadContact.Responded).Outcome;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Lookup1000")]
    public int OldLookup()
    {
        var lookup = new IterativeLookup(NextTarget(), (node, _) => Task.FromResult(LookupReply.From(_oldAnswers[node.Id])),
            new LookupOptions { SoftTimeout = TimeSpan.Zero }, TimeProvider.System);
        lookup.AddCandidates(_oldSeeds);
        return lookup.RunAsync().GetAwaiter().GetResult().Statistics.Queried;
    }

    [Benchmark, BenchmarkCategory("Lookup1000")]
    public int NewLookup()
    {
        var lookup = new IterativeLookup<NodeId, Peer>(NextTarget(), (node, _) => Task.FromResult(LookupReply<Peer>.From(_newAnswers[node.Id])),
            new KadLookupOptions { SoftTimeout = TimeSpan.Zero }, TimeProvider.System, accept: static p => p.EndPoint.Port != 0);
        lookup.AddCandidates(_newSeeds);
        return lookup.RunAsync().GetAwaiter().GetResult().Statistics.Queried;
    }

    private static IPEndPoint Address(int i) => new(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 6881);

    private NodeId NextTarget() => _targets[_next++ & 255];

    private NodeInfo NextKnown() => _known[_next++ % _known.Length];

    /// <summary>The Mainline contact as the core sees it: an id and an endpoint.</summary>
    public readonly record struct Peer(NodeId Id, IPEndPoint EndPoint) : IKademliaContact<NodeId>;

    /// <summary>One entry per endpoint, as the Mainline table keeps.</summary>
    private sealed class EndPointPolicy : IRoutingPolicy<NodeId, Peer>, IEqualityComparer<Peer>
    {
        public IEqualityComparer<Peer> AddressComparer => this;

        public ContactCheck Check(ref Peer contact) => contact.EndPoint.Port == 0 ? ContactCheck.UnusableAddress : ContactCheck.Usable;

        public ContactAdmission Admit(in Peer contact) =>
            NodeIdSecurity.IsAcceptable(contact.Id, contact.EndPoint.Address) ? ContactAdmission.Preferred : ContactAdmission.Admitted;

        public bool Equals(Peer x, Peer y) => x.EndPoint.Equals(y.EndPoint);

        public int GetHashCode([DisallowNull] Peer obj) => obj.EndPoint.GetHashCode();
    }
}
