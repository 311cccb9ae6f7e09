using DhtNet.LibP2p;

namespace DhtNet.Ipfs;

/// <summary>A peer and the addresses it can be dialled at, as lookups return and providers announce them.</summary>
/// <param name="Id">The peer.</param>
/// <param name="Multiaddrs">Its addresses (without the trailing <c>/p2p/</c> component); may be empty.</param>
public sealed record PeerInfo(PeerId Id, IReadOnlyList<Multiaddr> Multiaddrs)
{
    /// <summary>The peer with no known addresses.</summary>
    public PeerInfo(PeerId id)
        : this(id, [])
    {
    }
}
