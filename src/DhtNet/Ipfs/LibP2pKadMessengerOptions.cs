namespace DhtNet.Ipfs;

/// <summary>Timeouts and limits of <see cref="LibP2pKadMessenger"/>.</summary>
public sealed class LibP2pKadMessengerOptions
{
    /// <summary>Longest wait for a reply, dialling included (go-libp2p-kad-dht waits 10 s for a dial and a minute for a reply).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Inbound kad streams served at once; more are reset on arrival.</summary>
    public int MaxInboundStreams { get; init; } = 128;

    /// <summary>Requests answered on one inbound stream before it is closed.</summary>
    public int MaxRequestsPerStream { get; init; } = 1_000;

    /// <summary>How long an inbound stream may sit idle between requests (go-libp2p-kad-dht: one minute).</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInboundStreams, 1, nameof(MaxInboundStreams));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestsPerStream, 1, nameof(MaxRequestsPerStream));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StreamIdleTimeout, TimeSpan.Zero, nameof(StreamIdleTimeout));
    }
}
