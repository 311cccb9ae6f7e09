using System.Net;
using System.Net.Sockets;
using DhtNet.Mainline.Krpc;
using DhtNet.Routing;

namespace DhtNet.Mainline;

/// <summary>
/// The node's two routing tables, one per address family it is bound to (BEP 32), and our id,
/// around which both are laid out. A contact goes to the table of its endpoint's family.
/// </summary>
internal sealed class DualStackTables
{
    private readonly TimeProvider _time;
    private readonly RoutingTableOptions _options;
    private readonly Lock _lock = new();
    private RoutingTable? _table4;
    private RoutingTable? _table6;
    private NodeId _id;

    public DualStackTables(NodeId id, IEnumerable<IPEndPoint> localEndPoints, TimeProvider time, RoutingTableOptions options)
    {
        _id = id;
        _time = time;
        _options = options;
        foreach (var endPoint in localEndPoints)
        {
            if (CompactEncoding.Family(endPoint) == AddressFamily.InterNetwork)
            {
                _table4 ??= Create(AddressFamily.InterNetwork);
            }
            else
            {
                _table6 ??= Create(AddressFamily.InterNetworkV6);
            }
        }
    }

    public NodeId Id => _id;

    public int Count => (_table4?.Count ?? 0) + (_table6?.Count ?? 0);

    /// <summary>Nodes in the table of one family (0 when the node is not bound to it).</summary>
    public int CountOf(AddressFamily family) => ForFamily(family)?.Count ?? 0;

    public IEnumerable<RoutingTable> All
    {
        get
        {
            if (_table4 is { } t4)
            {
                yield return t4;
            }

            if (_table6 is { } t6)
            {
                yield return t6;
            }
        }
    }

    public RoutingTable? For(IPEndPoint endPoint) => ForFamily(CompactEncoding.Family(endPoint));

    public RoutingTable? ForFamily(AddressFamily family) => family == AddressFamily.InterNetwork ? _table4 : _table6;

    public int Import(IEnumerable<NodeInfo> nodes)
    {
        int imported = 0;
        foreach (var group in nodes.GroupBy(n => CompactEncoding.Family(n.EndPoint)))
        {
            if (ForFamily(group.Key) is { } table)
            {
                imported += table.Import(group);
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
        bool fromV4 = CompactEncoding.Family(source) == AddressFamily.InterNetwork;
        bool v4 = want == KrpcWant.None ? fromV4 : want.HasFlag(KrpcWant.N4);
        bool v6 = want == KrpcWant.None ? !fromV4 : want.HasFlag(KrpcWant.N6);
        var nodes = v4 && _table4 is { } t4 ? t4.FindClosest(target, count) : [];
        var nodes6 = v6 && _table6 is { } t6 ? t6.FindClosest(target, count) : [];
        return (nodes, nodes6);
    }

    /// <summary>BEP 42: takes a new id; buckets are laid out around it, so both tables are rebuilt.</summary>
    public void ChangeId(NodeId id)
    {
        lock (_lock)
        {
            _id = id;
            if (_table4 is { } old4)
            {
                _table4 = Create(AddressFamily.InterNetwork);
                _table4.Import(old4.Export());
            }

            if (_table6 is { } old6)
            {
                _table6 = Create(AddressFamily.InterNetworkV6);
                _table6.Import(old6.Export());
            }
        }
    }

    private RoutingTable Create(AddressFamily family) => new(_id, family, _time, _options);
}
