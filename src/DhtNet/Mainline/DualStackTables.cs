using System.Net;
using System.Net.Sockets;
using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// The node's two routing tables, one per address family it is bound to (BEP 32), each kept alive by
/// the core's <see cref="RoutingUpkeep{TKey, TContact}"/>, and our id, around which both are laid out.
/// A contact goes to the table of its endpoint's family; <see cref="Report"/> and <see cref="ReportQuery"/>
/// are the node's one funnel into them.
/// </summary>
/// <remarks>
/// Our id, the tables and their upkeeps form one immutable <see cref="Generation"/>, swapped whole by
/// <see cref="ChangeId"/> (an upkeep is bound to one table), so a reader never sees a new id with an
/// old table or a table whose upkeep was disposed.
/// </remarks>
internal sealed class DualStackTables : IDisposable
{
    private readonly bool _v4;
    private readonly bool _v6;
    private readonly TimeProvider _time;
    private readonly RoutingTableOptions _tableOptions;
    private readonly RoutingUpkeepOptions _upkeepOptions;
    private readonly bool _enforceNodeIdSecurity;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private IRoutingNetwork<NodeId, NodeInfo>? _network;
    private Action<NodeInfo>? _nodeAdded;
    private Action<string, NodeId, LookupStatistics>? _lookupCompleted;
    private volatile Generation _current;
    private bool _started;
    private bool _disposed;

    public DualStackTables(
        NodeId id,
        IEnumerable<IPEndPoint> localEndPoints,
        TimeProvider time,
        RoutingTableOptions tableOptions,
        RoutingUpkeepOptions upkeepOptions,
        bool enforceNodeIdSecurity,
        ILogger logger)
    {
        foreach (var endPoint in localEndPoints)
        {
            bool v4 = CompactEncoding.Family(endPoint) == AddressFamily.InterNetwork;
            _v4 |= v4;
            _v6 |= !v4;
        }

        _time = time;
        _tableOptions = tableOptions;
        _upkeepOptions = upkeepOptions;
        _enforceNodeIdSecurity = enforceNodeIdSecurity;
        _logger = logger;
        _current = new Generation(id, _v4 ? CreateTable(id, AddressFamily.InterNetwork) : null, _v6 ? CreateTable(id, AddressFamily.InterNetworkV6) : null);
    }

    public NodeId Id => _current.Id;

    public int Count => _current.Count;

    /// <summary>Nodes in the table of one family (0 when the node is not bound to it).</summary>
    public int CountOf(AddressFamily family) => ForFamily(family)?.Count ?? 0;

    /// <summary>The tables as they are now (one or two).</summary>
    public IReadOnlyList<RoutingTable<NodeId, NodeInfo>> All => _current.Tables;

    public RoutingTable<NodeId, NodeInfo>? For(IPEndPoint endPoint) => ForFamily(CompactEncoding.Family(endPoint));

    public RoutingTable<NodeId, NodeInfo>? ForFamily(AddressFamily family) => _current.ForFamily(family)?.Table;

    /// <summary>
    /// Starts an upkeep per table over <paramref name="network"/>: the funnel is open and stale buckets
    /// are refreshed on the maintenance timer. Bootstrap stays with the node (both families at once).
    /// </summary>
    public void Start(IRoutingNetwork<NodeId, NodeInfo> network, Action<NodeInfo> nodeAdded, Action<string, NodeId, LookupStatistics> lookupCompleted)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException("The tables are already started.");
            }

            _started = true;
            _network = network;
            _nodeAdded = nodeAdded;
            _lookupCompleted = lookupCompleted;
            foreach (var family in _current.Families)
            {
                family.Start(this);
            }
        }
    }

    /// <summary>The funnel for a request we sent: once per request, to the table of the node's family.</summary>
    public void Report(NodeInfo node, RequestOutcome outcome) => _current.ForEndPoint(node.EndPoint)?.Upkeep?.Report(node, outcome);

    /// <summary>A node sent us a query (and did not ask to stay out of tables, BEP 43).</summary>
    public void ReportQuery(NodeInfo node) => _current.ForEndPoint(node.EndPoint)?.Upkeep?.ReportQuery(node);

    public int Import(IEnumerable<NodeInfo> nodes)
    {
        var current = _current;
        int imported = 0;
        foreach (var group in nodes.GroupBy(n => CompactEncoding.Family(n.EndPoint)))
        {
            if (current.ForFamily(group.Key) is { } family)
            {
                imported += family.Table.Import(group);
            }
        }

        return imported;
    }

    public bool Remove(NodeId id)
    {
        bool removed = false;
        foreach (var table in All)
        {
            removed |= table.Remove(id);
        }

        return removed;
    }

    public IReadOnlyList<NodeInfo> Export()
    {
        var nodes = new List<NodeInfo>();
        foreach (var table in All)
        {
            nodes.AddRange(table.Export());
        }

        return nodes;
    }

    /// <summary>BEP 32: without 'want', nodes of the asker's own family; with it, the families it names.</summary>
    public (NodeInfo[] Nodes, NodeInfo[] Nodes6) ClosestFor(NodeId target, KrpcWant want, IPEndPoint source, int count)
    {
        var nodes = new NodeInfo[count];
        var nodes6 = new NodeInfo[count];
        var (written, written6) = ClosestFor(target, want, source, nodes, nodes6);
        return (written == count ? nodes : nodes[..written], written6 == count ? nodes6 : nodes6[..written6]);
    }

    /// <summary>
    /// <see cref="ClosestFor(NodeId, KrpcWant, IPEndPoint, int)"/> into the caller's spans (as many
    /// nodes as each holds), allocating nothing; returns how many nodes each got.
    /// </summary>
    public (int Count, int Count6) ClosestFor(NodeId target, KrpcWant want, IPEndPoint source, Span<NodeInfo> nodes, Span<NodeInfo> nodes6)
    {
        var current = _current;
        bool fromV4 = CompactEncoding.Family(source) == AddressFamily.InterNetwork;
        bool v4 = want == KrpcWant.None ? fromV4 : want.HasFlag(KrpcWant.N4);
        bool v6 = want == KrpcWant.None ? !fromV4 : want.HasFlag(KrpcWant.N6);
        int count = v4 && current.V4 is { } t4 ? t4.Table.FindClosest(target, nodes) : 0;
        int count6 = v6 && current.V6 is { } t6 ? t6.Table.FindClosest(target, nodes6) : 0;
        return (count, count6);
    }

    /// <summary>
    /// BEP 42: takes a new id. Buckets are laid out around it, so each table is rebuilt from the old
    /// one's nodes, with a new upkeep; the old upkeeps are disposed once the new generation is in place.
    /// </summary>
    public void ChangeId(NodeId id)
    {
        Generation old;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            old = _current;
            var next = new Generation(id, Rebuild(old.V4, id, AddressFamily.InterNetwork), Rebuild(old.V6, id, AddressFamily.InterNetworkV6));
            if (_started)
            {
                foreach (var family in next.Families)
                {
                    family.Start(this);
                }
            }

            _current = next;
        }

        old.Dispose();
    }

    /// <summary>Stops the upkeeps (timers, pings and refresh lookups they started).</summary>
    public void Dispose()
    {
        Generation current;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            current = _current;
        }

        current.Dispose();
    }

    private FamilyTable? Rebuild(FamilyTable? old, NodeId id, AddressFamily family)
    {
        if (old is null)
        {
            return null;
        }

        var table = CreateTable(id, family);
        table.Table.Import(old.Table.Export());
        return table;
    }

    private FamilyTable CreateTable(NodeId id, AddressFamily family) =>
        new(new RoutingTable<NodeId, NodeInfo>(id, new MainlinePolicy(family, _enforceNodeIdSecurity), _time, _tableOptions));

    /// <summary>One family's table and, once started, its upkeep.</summary>
    private sealed class FamilyTable(RoutingTable<NodeId, NodeInfo> table)
    {
        public RoutingTable<NodeId, NodeInfo> Table { get; } = table;

        public RoutingUpkeep<NodeId, NodeInfo>? Upkeep { get; private set; }

        public void Start(DualStackTables owner)
        {
            var upkeep = new RoutingUpkeep<NodeId, NodeInfo>(Table, owner._network!, owner._time, owner._upkeepOptions, owner._logger);
            var nodeAdded = owner._nodeAdded!;
            var lookupCompleted = owner._lookupCompleted!;
            upkeep.NodeAdded += nodeAdded;
            upkeep.LookupCompleted += lookupCompleted;
            upkeep.Start();
            Upkeep = upkeep;
        }
    }

    /// <summary>Our id with the tables laid out around it.</summary>
    private sealed class Generation(NodeId id, FamilyTable? v4, FamilyTable? v6)
    {
        public NodeId Id { get; } = id;

        public FamilyTable? V4 { get; } = v4;

        public FamilyTable? V6 { get; } = v6;

        public IReadOnlyList<FamilyTable> Families { get; } = v4 is null ? (v6 is null ? [] : [v6]) : (v6 is null ? [v4] : [v4, v6]);

        public IReadOnlyList<RoutingTable<NodeId, NodeInfo>> Tables { get; } =
            v4 is null ? (v6 is null ? [] : [v6.Table]) : (v6 is null ? [v4.Table] : [v4.Table, v6.Table]);

        public int Count => (V4?.Table.Count ?? 0) + (V6?.Table.Count ?? 0);

        public FamilyTable? ForFamily(AddressFamily family) => family == AddressFamily.InterNetwork ? V4 : V6;

        public FamilyTable? ForEndPoint(IPEndPoint endPoint) => ForFamily(CompactEncoding.Family(endPoint));

        public void Dispose()
        {
            foreach (var family in Families)
            {
                family.Upkeep?.Dispose();
            }
        }
    }
}
