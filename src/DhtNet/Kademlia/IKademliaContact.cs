namespace DhtNet.Kademlia;

/// <summary>
/// What a routing table and a lookup hold per node: its key and whatever the network needs to reach
/// it (Mainline: an IP endpoint; libp2p: a peer id and its multiaddrs). The contact carries its key so
/// that a protocol's own node type can be the contact, with no copy between wire, lookup and table.
/// </summary>
/// <typeparam name="TKey">The key type of the network.</typeparam>
public interface IKademliaContact<TKey>
    where TKey : struct, IKademliaKey<TKey>
{
    /// <summary>The node's key, its place in the XOR metric.</summary>
    TKey Id { get; }
}
