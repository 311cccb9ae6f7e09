namespace DhtNet.Kademlia;

/// <summary>
/// What <see cref="RoutingUpkeep{TKey, TContact}"/> needs from the network: a find-node request, a
/// ping, and where to start when the table is empty. Every request these send reports its outcome
/// through the funnel (<see cref="RoutingUpkeep{TKey, TContact}.Report"/>) in the request layer,
/// like any other request; the upkeep does not report them again.
/// </summary>
public interface IRoutingNetwork<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    /// <summary>The request a find-node lookup for <paramref name="target"/> sends to each node (Mainline: find_node; libp2p: FIND_NODE).</summary>
    LookupRequest<TContact> FindNode(TKey target);

    /// <summary>Pings a node; its answer or timeout reaches the table through the funnel.</summary>
    Task PingAsync(TContact contact, CancellationToken cancellationToken);

    /// <summary>
    /// Nodes to start from when the table is empty (Mainline: resolves the bootstrap hosts and asks
    /// each for our neighbours, learning their ids from the answers). Empty when there are none.
    /// </summary>
    Task<IReadOnlyList<TContact>> GetBootstrapContactsAsync(CancellationToken cancellationToken);

    /// <summary>Whether a lookup may query this candidate at all (Mainline: not port 0).</summary>
    bool CanQuery(TContact contact) => true;
}
