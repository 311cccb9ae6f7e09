using DhtNet.Kademlia;
using DhtNet.LibP2p;

namespace DhtNet.Ipfs;

/// <summary>A peer in the IPFS routing table: its Kademlia key (SHA-256 of the peer id) and how to reach it.</summary>
/// <param name="Id">The peer's place in the keyspace.</param>
/// <param name="Peer">The peer and the addresses it was learned with.</param>
public readonly record struct IpfsContact(Key256 Id, PeerInfo Peer) : IKademliaContact<Key256>
{
    /// <summary>The contact for <paramref name="peer"/>, its key derived from its id.</summary>
    public static IpfsContact From(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return new IpfsContact(KeyOf(peer.Id), peer);
    }

    /// <summary>The Kademlia key of a peer: SHA-256 of its id multihash.</summary>
    public static Key256 KeyOf(PeerId peer) => Key256.Sha256(peer.Bytes.Span);
}
