using System.Net;

namespace DhtNet.Mainline.Transport;

/// <summary>
/// Receives one datagram. The span is only valid during the call (receive buffers are pooled);
/// copy what must outlive it. Handlers must not throw: the transport counts and drops anything
/// that escapes, but a handler is the place to turn bad input into an error reply.
/// </summary>
public delegate void DatagramHandler(ReadOnlySpan<byte> datagram, IPEndPoint source);

/// <summary>
/// Sends and receives UDP-style datagrams. Implemented by real UDP sockets and by an in-memory
/// network with a virtual clock, so the same node code runs on both.
/// </summary>
public interface IDatagramTransport : IAsyncDisposable
{
    /// <summary>The endpoints this transport is bound to (one per address family at most).</summary>
    IReadOnlyList<IPEndPoint> LocalEndPoints { get; }

    /// <summary>
    /// Starts delivering received datagrams to <paramref name="handler"/>. Called once.
    /// </summary>
    void Start(DatagramHandler handler);

    /// <summary>
    /// Sends one datagram without blocking. Returns false when it could not be handed to the network
    /// (no socket for that address family, the socket is closed, the send buffer is full); datagrams
    /// are unreliable, so callers treat false like a lost packet.
    /// </summary>
    bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination);
}
