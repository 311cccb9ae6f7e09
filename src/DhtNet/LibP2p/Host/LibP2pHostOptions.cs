using DhtNet.LibP2p.Yamux;

namespace DhtNet.LibP2p.Host;

/// <summary>What a <see cref="LibP2pHost"/> listens on, how it introduces itself, and its limits.</summary>
public sealed class LibP2pHostOptions
{
    /// <summary>
    /// TCP addresses to listen on (<c>/ip4/0.0.0.0/tcp/4001</c>, <c>/ip6/::/tcp/0</c>); none makes a dial-only host.
    /// A wildcard is advertised as this machine's interface addresses (<see cref="LibP2pHost.AdvertisedAddresses"/>).
    /// </summary>
    public IReadOnlyList<Multiaddr> ListenAddresses { get; init; } = [];

    /// <summary>Sent in identify as protocolVersion.</summary>
    public string ProtocolVersion { get; init; } = "ipfs/0.1.0";

    /// <summary>Sent in identify as agentVersion.</summary>
    public string AgentVersion { get; init; } = "dhtnet/0.1";

    /// <summary>Open connections at once, both directions; an inbound one beyond it is closed at once.</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>Inbound connections still in their handshake; more are closed at once (a flood of half-open connections).</summary>
    public int MaxPendingHandshakes { get; init; } = 64;

    /// <summary>Open streams per connection (yamux); an inbound stream beyond it is reset.</summary>
    public int MaxStreamsPerConnection { get; init; } = 256;

    /// <summary>Bytes a stream buffers for a reader that has not read them yet (the yamux window, at least 256 KiB).</summary>
    public int StreamReceiveWindow { get; init; } = YamuxOptions.DefaultWindowSize;

    /// <summary>
    /// Unread bytes one connection buffers over all its streams; past it the connection is not read
    /// until handlers catch up. The host's receive buffers stay below this times <see cref="MaxConnections"/>.
    /// </summary>
    public int MaxBufferedBytesPerConnection { get; init; } = 16 * 1024 * 1024;

    /// <summary>How long TCP connect may take.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the upgrade (multistream, Noise, yamux) may take, either direction.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new stream's protocol negotiation may take.</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection without streams for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>After a failed dial a peer is not dialled again for this long, doubling per failure up to <see cref="MaxDialBackoff"/>.</summary>
    public TimeSpan DialBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDialBackoff { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Peers whose addresses and identify results are remembered; the oldest is forgotten first.</summary>
    public int MaxKnownPeers { get; init; } = 10_000;

    /// <summary>Addresses kept per peer.</summary>
    public int MaxAddressesPerPeer { get; init; } = 16;

    /// <summary>How often yamux pings an otherwise quiet connection to detect a dead peer.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keep-alive ping may go unanswered.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal YamuxOptions YamuxOptions => new()
    {
        MaxStreams = MaxStreamsPerConnection,
        MaxAcceptBacklog = MaxStreamsPerConnection,
        ReceiveWindowSize = StreamReceiveWindow,
        MaxBufferedBytes = MaxBufferedBytesPerConnection,
        KeepAliveInterval = KeepAliveInterval,
        KeepAliveTimeout = KeepAliveTimeout,
        TimeProvider = TimeProvider,
    };
}
