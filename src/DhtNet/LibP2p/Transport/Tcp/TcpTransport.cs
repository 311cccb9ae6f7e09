using System.Net;
using System.Net.Sockets;

namespace DhtNet.LibP2p.Transport.Tcp;

/// <summary>Raw TCP for libp2p: dialling <c>/ip4|ip6/…/tcp/…</c> with a connect timeout, and listening.</summary>
public static class TcpTransport
{
    /// <summary>
    /// Connects to <paramref name="address"/>; <see cref="TimeoutException"/> when it takes longer than
    /// <paramref name="timeout"/>, <see cref="SocketException"/> when refused or unreachable.
    /// </summary>
    public static async Task<Socket> ConnectAsync(Multiaddr address, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.TryGetTcpEndPoint(out var endPoint))
        {
            throw new ArgumentException($"{address} is not a TCP address.", nameof(address));
        }

        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endPoint, deadline.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {address} took longer than {timeout.TotalSeconds:0.#} s.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts listening on <paramref name="address"/> (port 0 picks a free port).</summary>
    public static TcpTransportListener Listen(Multiaddr address, int backlog = 512)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.TryGetTcpEndPoint(out var endPoint))
        {
            throw new ArgumentException($"{address} is not a TCP address.", nameof(address));
        }

        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // An ip6 address listens on IPv6 only: an ip4 listener on the same port is a separate address.
                socket.DualMode = false;
            }

            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(backlog);
            return new TcpTransportListener(socket, Multiaddr.FromTcpEndPoint((IPEndPoint)socket.LocalEndPoint!));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A listening TCP socket; <see cref="AcceptAsync"/> hands over each new connection.</summary>
public sealed class TcpTransportListener : IDisposable
{
    private readonly Socket _socket;

    internal TcpTransportListener(Socket socket, Multiaddr address)
    {
        _socket = socket;
        Address = address;
    }

    /// <summary>The address actually bound (with the port chosen when 0 was asked for).</summary>
    public Multiaddr Address { get; }

    /// <summary>The next inbound connection.</summary>
    public async Task<Socket> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var socket = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        socket.NoDelay = true;
        return socket;
    }

    public void Dispose() => _socket.Dispose();
}
