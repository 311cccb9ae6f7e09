using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Bootstrap;

/// <summary>
/// The public IPFS (Amino) DHT's bootstrap peers, as kubo ships them: the <c>/dnsaddr/bootstrap.libp2p.io</c>
/// peers (resolve them with <see cref="DnsAddrResolver"/>) and mars.i.ipfs.io by its address.
/// </summary>
public static class AminoBootstrap
{
    /// <summary>The kubo default list, TCP addresses only (DhtNet dials TCP; kubo's QUIC entry and helia's WebSocket entry are left out).</summary>
    public static IReadOnlyList<Multiaddr> Peers { get; } =
    [
        Multiaddr.Parse("/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN"),
        Multiaddr.Parse("/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa"),
        Multiaddr.Parse("/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb"),
        Multiaddr.Parse("/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt"),
        Multiaddr.Parse("/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ"),
    ];

    /// <summary>
    /// The peers among <paramref name="addresses"/> that DhtNet can dial: TCP over IPv4 or IPv6 ending in
    /// <c>/p2p/&lt;peer id&gt;</c>, grouped by peer (the addresses without the <c>/p2p/</c> part, as
    /// <see cref="PeerInfo"/> keeps them), in the order first seen. Other addresses (QUIC, WebSocket,
    /// unresolved DNS names, no peer id) are left out.
    /// </summary>
    public static IReadOnlyList<PeerInfo> DialablePeers(IEnumerable<Multiaddr> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var order = new List<PeerId>();
        var byPeer = new Dictionary<PeerId, List<Multiaddr>>();
        foreach (var address in addresses)
        {
            if (address.PeerId is not { } peer || !address.WithoutPeerId().TryGetTcpEndPoint(out _))
            {
                continue;
            }

            if (!byPeer.TryGetValue(peer, out var list))
            {
                byPeer[peer] = list = [];
                order.Add(peer);
            }

            var bare = address.WithoutPeerId();
            if (!list.Contains(bare))
            {
                list.Add(bare);
            }
        }

        return [.. order.Select(p => new PeerInfo(p, byPeer[p]))];
    }
}
