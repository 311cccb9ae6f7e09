using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Yamux;

namespace DhtNet.LibP2p.Host;

/// <summary>One secured, multiplexed connection to a peer (TCP, Noise, yamux).</summary>
public sealed class LibP2pConnection
{
    private long _lastActivity;

    internal LibP2pConnection(YamuxSession session, PublicKey remoteKey, Multiaddr remoteAddress, Multiaddr localAddress, bool isInbound, long now)
    {
        Session = session;
        RemoteKey = remoteKey;
        RemotePeer = PeerId.FromPublicKey(remoteKey);
        RemoteAddress = remoteAddress;
        LocalAddress = localAddress;
        IsInbound = isInbound;
        _lastActivity = now;
    }

    /// <summary>The peer, as proven in the Noise handshake.</summary>
    public PeerId RemotePeer { get; }

    public PublicKey RemoteKey { get; }

    /// <summary>The peer's address on this connection (for an inbound connection, its source address).</summary>
    public Multiaddr RemoteAddress { get; }

    public Multiaddr LocalAddress { get; }

    /// <summary>True when the peer dialled us.</summary>
    public bool IsInbound { get; }

    /// <summary>Streams open now.</summary>
    public int StreamCount => Session.StreamCount;

    public bool IsClosed => Session.IsClosed;

    /// <summary>Completes once the connection has closed; <see cref="CloseReason"/> says why.</summary>
    public Task Closed => Session.Completion;

    public Exception? CloseReason => Session.CloseReason;

    internal YamuxSession Session { get; }

    internal long LastActivity => Interlocked.Read(ref _lastActivity);

    internal void Touch(long now) => Interlocked.Exchange(ref _lastActivity, now);

    public override string ToString() => $"{(IsInbound ? "inbound" : "outbound")} connection with {RemotePeer} at {RemoteAddress}";
}
