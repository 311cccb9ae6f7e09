using DhtNet.LibP2p;
using DhtNet.LibP2p.Host;

namespace DhtNet.Ipfs.Messages;

/// <summary>The kad-dht RPC kinds (<c>Message.MessageType</c>). Values outside these decode as they are and are refused by the handler.</summary>
public enum KadMessageType
{
    PutValue = 0,
    GetValue = 1,
    AddProvider = 2,
    GetProviders = 3,
    FindNode = 4,

    /// <summary>Deprecated by the libp2p ping protocol; still answered for old peers.</summary>
    Ping = 5,
}

/// <summary>What the sender of a peer entry knows of its connection to that peer (<c>Message.ConnectionType</c>).</summary>
public enum KadConnectionType
{
    NotConnected = 0,
    Connected = 1,
    CanConnect = 2,
    CannotConnect = 3,
}

/// <summary>
/// A peer entry of a kad message (<c>Message.Peer</c>) as it came off the wire: the id and the
/// addresses are raw bytes, checked only when used (<see cref="TryToPeerInfo"/>), because one bad
/// entry must not spoil the rest of a reply.
/// </summary>
public sealed record KadPeer(ReadOnlyMemory<byte> Id, IReadOnlyList<ReadOnlyMemory<byte>> Addrs, KadConnectionType Connection = KadConnectionType.NotConnected)
{
    /// <summary>The wire entry for <paramref name="peer"/>.</summary>
    public static KadPeer FromPeerInfo(PeerInfo peer, KadConnectionType connection = KadConnectionType.NotConnected)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var addrs = new ReadOnlyMemory<byte>[peer.Multiaddrs.Count];
        for (var i = 0; i < addrs.Length; i++)
        {
            addrs[i] = peer.Multiaddrs[i].Bytes;
        }

        return new KadPeer(peer.Id.Bytes, addrs, connection);
    }

    /// <summary>
    /// The peer with the addresses that parse; false when the id is not a peer id. Addresses that
    /// are not valid multiaddrs are left out, as go-libp2p-kad-dht does, and so are unspecified ones
    /// (<c>0.0.0.0</c>, <c>::</c>: a wildcard-bound peer's own listen address, which reaches the dialler's
    /// loopback, so no one is told it again).
    /// </summary>
    public bool TryToPeerInfo([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PeerInfo? peer)
    {
        if (!PeerId.TryFromBytes(Id.Span, out var id))
        {
            peer = null;
            return false;
        }

        var addrs = new List<Multiaddr>(Addrs.Count);
        foreach (var bytes in Addrs)
        {
            if (Multiaddr.TryFromBytes(bytes.Span, out var addr) && !UnspecifiedAddresses.IsUnspecified(addr))
            {
                addrs.Add(addr);
            }
        }

        peer = new PeerInfo(id, addrs);
        return true;
    }
}

/// <summary>A value record (<c>Record</c>): key, value, and the RFC 3339 time the holder received it (set by the receiver, empty when sent).</summary>
public sealed record KadRecord(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, string TimeReceived = "");

/// <summary>
/// One kad-dht RPC message (request or reply), immutable. Decode with <see cref="KadMessageCodec"/>
/// or <see cref="KadFrameReader"/>; write with <see cref="KadMessageCodec"/>.
/// </summary>
public sealed record KadMessage
{
    private static readonly KadPeer[] NoPeers = [];

    public required KadMessageType Type { get; init; }

    /// <summary>The Coral cluster level; no implementation uses it, kept so that a message round-trips.</summary>
    public int ClusterLevelRaw { get; init; }

    /// <summary>The key (peer id, multihash or record key), empty when absent.</summary>
    public ReadOnlyMemory<byte> Key { get; init; }

    public KadRecord? Record { get; init; }

    public IReadOnlyList<KadPeer> CloserPeers { get; init; } = NoPeers;

    public IReadOnlyList<KadPeer> ProviderPeers { get; init; } = NoPeers;
}
