using System.Net;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline;

/// <summary>
/// What the operations of a started node share: its tables, its client, its lookups, its stores and
/// its events. Built once at start; every operation takes it and keeps its own state to itself.
/// </summary>
internal sealed class NodeContext
{
    public required DhtOptions Options { get; init; }

    public required DualStackTables Tables { get; init; }

    public required Requests Requests { get; init; }

    public required Lookups Lookups { get; init; }

    public required PeerStore Peers { get; init; }

    public required ItemStore Items { get; init; }

    public required RecentTokens RecentTokens { get; init; }

    public required NodeEvents Events { get; init; }

    public required IReadOnlyList<IPEndPoint> LocalEndPoints { get; init; }

    /// <summary>Cancelled when the node is disposed: background work and lookups end with it.</summary>
    public required CancellationToken Shutdown { get; init; }

    /// <summary>Our id as it is now (BEP 42 may change it once).</summary>
    public NodeId Id => Tables.Id;

    /// <summary>BEP 42: storage prefers verified ids, so it chooses among more nodes than the K it stores on.</summary>
    public int StorageCandidates => 2 * Options.K;
}
