using System.Net;

namespace DhtNet.Mainline.Transport;

/// <summary>Settings for <see cref="UdpTransport"/>; the defaults bind 0.0.0.0 and [::] on one port.</summary>
public sealed class UdpTransportOptions
{
    /// <summary>The largest datagram the default configuration accepts; KRPC messages are far smaller.</summary>
    public const int DefaultMaxDatagramSize = 2048;

    /// <summary>
    /// Addresses to bind, at most one per address family. Null binds 0.0.0.0:<see cref="Port"/> and,
    /// when <see cref="EnableIPv6"/> is set, [::]:<see cref="Port"/>.
    /// </summary>
    public IReadOnlyList<IPEndPoint>? BindEndPoints { get; set; }

    /// <summary>Port for the default bind addresses; 0 lets the OS pick (IPv6 then tries IPv4's port).</summary>
    public int Port { get; set; }

    /// <summary>Whether the default bind addresses include [::]. Ignored when <see cref="BindEndPoints"/> is set.</summary>
    public bool EnableIPv6 { get; set; } = true;

    /// <summary>Datagrams longer than this are dropped on receipt and counted in <see cref="TransportCounters.DatagramsDropped"/>.</summary>
    public int MaxDatagramSize { get; set; } = DefaultMaxDatagramSize;

    /// <summary>The receive buffer asked for by default: a burst of some thousands of queries waits in the kernel instead of being dropped.</summary>
    public const int DefaultSocketReceiveBufferSize = 4 * 1024 * 1024;

    /// <summary>
    /// SO_RCVBUF for each socket; null keeps the OS default. The kernel may grant less (Linux caps it
    /// at net.core.rmem_max); <see cref="UdpTransport.ReceiveBufferSize"/> says what was granted.
    /// </summary>
    public int? SocketReceiveBufferSize { get; set; } = DefaultSocketReceiveBufferSize;

    /// <summary>
    /// Sockets (each with its own receive thread) per address family. More than one binds them all
    /// to the same port with SO_REUSEPORT (Linux only; elsewhere one is used), and the kernel hashes
    /// each peer's address and port to one of them, so one peer's datagrams are still handled in
    /// order while different peers are served on different cores. Before the group binds, one
    /// socket without SO_REUSEPORT binds the port alone and closes, so a port that another process
    /// holds still fails to bind. Null picks one per processor this process may run on, at most 4.
    /// </summary>
    public int? ReceiveSockets { get; set; }

    /// <summary>The default <see cref="DatagramBatchSize"/>.</summary>
    public const int DefaultDatagramBatchSize = 32;

    /// <summary>The largest <see cref="DatagramBatchSize"/> accepted.</summary>
    public const int MaxDatagramBatchSize = 1024;

    /// <summary>
    /// Datagrams a receive thread takes per system call on 64-bit Linux (recvmmsg), handing them to
    /// the handler one by one in arrival order; the replies the handler sends meanwhile leave
    /// together afterwards (sendmmsg), in the order they were sent. 1 receives and sends each
    /// datagram with a call of its own, as other platforms always do. Each receive thread pins
    /// about twice this many datagram-sized buffers.
    /// </summary>
    public int DatagramBatchSize { get; set; } = DefaultDatagramBatchSize;

    /// <summary>SO_SNDBUF for each socket; null keeps the OS default.</summary>
    public int? SocketSendBufferSize { get; set; }

    /// <summary>Clock for the pause a receive loop takes after a run of consecutive socket errors.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
