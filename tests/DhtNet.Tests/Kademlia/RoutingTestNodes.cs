using System.Net;
using System.Net.Sockets;
using Table = DhtNet.Kademlia.RoutingTable<DhtNet.NodeId, DhtNet.NodeInfo>;
using TableNode = DhtNet.Kademlia.RoutingNode<DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

/// <summary>Builds tables and nodes at chosen distances from the local id.</summary>
internal sealed class RoutingTestNodes
{
    private readonly Random _random;
    private int _next;

    public RoutingTestNodes(int seed = 1, NodeId? localId = null)
    {
        _random = new Random(seed);
        LocalId = localId ?? NodeId.Random(_random);
    }

    public NodeId LocalId { get; }

    public VirtualTimeProvider Clock { get; } = new();

    public Random Random => _random;

    public Table NewTable(RoutingTableOptions? options = null, MainlinePolicy? policy = null) =>
        new(LocalId, policy ?? new MainlinePolicy(AddressFamily.InterNetwork), Clock, options ?? new RoutingTableOptions { Random = new Random(99) });

    /// <summary>A random id sharing exactly <paramref name="commonPrefix"/> leading bits with the local id.</summary>
    public NodeId IdAt(int commonPrefix)
    {
        var id = NodeId.Random(_random);
        for (int i = 0; i < commonPrefix; i++)
        {
            id = id.WithBit(i, LocalId.GetBit(i));
        }

        return id.WithBit(commonPrefix, !LocalId.GetBit(commonPrefix));
    }

    /// <summary>A node at a fresh endpoint (distinct for every call).</summary>
    public NodeInfo Node(NodeId id)
    {
        int n = ++_next;
        return new NodeInfo(id, new IPEndPoint(new IPAddress([10, (byte)(n >> 16), (byte)(n >> 8), (byte)n]), 6881));
    }

    public NodeInfo NodeAt(int commonPrefix) => Node(IdAt(commonPrefix));

    /// <summary>Adds <paramref name="count"/> responding nodes at <paramref name="commonPrefix"/>, one second apart.</summary>
    public List<NodeInfo> Fill(Table table, int commonPrefix, int count)
    {
        var nodes = new List<NodeInfo>();
        for (int i = 0; i < count; i++)
        {
            var node = NodeAt(commonPrefix);
            Assert.True(table.AddOrUpdate(node, NodeContact.Responded).IsKnown);
            nodes.Add(node);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        return nodes;
    }

    public static TableNode? Find(Table table, NodeId id)
    {
        foreach (var bucket in table.Buckets)
        {
            foreach (var node in bucket.Nodes)
            {
                if (node.Contact.Id == id)
                {
                    return node;
                }
            }
        }

        return null;
    }
}
