using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Mainline.Transport;

/// <summary>
/// Real UDP with one socket per address family (IPv6 sockets are IPv6-only, so both can share a
/// port). Sockets are bound by the constructor, so <see cref="LocalEndPoints"/> is known before
/// <see cref="Start"/>; a receive loop per socket survives every socket error and handler fault.
/// </summary>
public sealed class UdpTransport : IDatagramTransport
{
    private const int Created = 0;
    private const int Started = 1;
    private const int Disposed = 2;

    // After this many errors in a row a loop pauses, so a socket stuck in an error state cannot spin a core.
    private const int ErrorsBeforePause = 16;

    // Windows reports an ICMP port unreachable as ConnectionReset on the next receive unless told not to.
    private const int SioUdpConnReset = unchecked((int)0x9800000C);

    private readonly Socket? _ipv4;
    private readonly Socket? _ipv6;
    private readonly SendAddressCache _ipv4Addresses = new();
    private readonly SendAddressCache _ipv6Addresses = new();
    private readonly IPEndPoint[] _localEndPoints;
    private readonly IPEndPoint? _ipv4EndPoint;
    private readonly IPEndPoint? _ipv6EndPoint;
    private readonly int _maxDatagramSize;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private Task[] _loops = [];
    private int _state;

    /// <summary>Binds 0.0.0.0:<paramref name="port"/> and [::]:<paramref name="port"/> (IPv6 if available).</summary>
    public UdpTransport(int port = 0, ILogger? logger = null)
        : this(new UdpTransportOptions { Port = port }, logger)
    {
    }

    /// <summary>Binds the given endpoints, at most one per address family.</summary>
    public UdpTransport(IReadOnlyList<IPEndPoint> bindEndPoints, ILogger? logger = null)
        : this(new UdpTransportOptions { BindEndPoints = bindEndPoints }, logger)
    {
    }

    /// <summary>Binds as <paramref name="options"/> say. Throws <see cref="SocketException"/> when IPv4 cannot be bound.</summary>
    public UdpTransport(UdpTransportOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDatagramSize, 1, nameof(options.MaxDatagramSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxDatagramSize, 65535, nameof(options.MaxDatagramSize));
        _maxDatagramSize = options.MaxDatagramSize;
        _timeProvider = options.TimeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;

        var (ipv4Bind, ipv6Bind) = SelectBindEndPoints(options);
        try
        {
            if (ipv4Bind is not null)
            {
                _ipv4 = CreateSocket(AddressFamily.InterNetwork, options);
                _ipv4.Bind(ipv4Bind);
            }

            if (ipv6Bind is not null)
            {
                _ipv6 = TryBindIPv6(ipv6Bind, options);
            }
        }
        catch
        {
            _ipv4?.Dispose();
            _ipv6?.Dispose();
            throw;
        }

        // Read once: a disposed socket throws on LocalEndPoint.
        _ipv4EndPoint = (IPEndPoint?)_ipv4?.LocalEndPoint;
        _ipv6EndPoint = (IPEndPoint?)_ipv6?.LocalEndPoint;
        var local = new List<IPEndPoint>(2);
        foreach (var bound in new[] { _ipv4EndPoint, _ipv6EndPoint })
        {
            if (bound is not null)
            {
                local.Add(bound);
                Log.Bound(_logger, bound);
            }
        }

        _localEndPoints = [.. local];
    }

    /// <inheritdoc />
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _localEndPoints;

    /// <summary>The bound IPv4 endpoint, or null.</summary>
    public IPEndPoint? IPv4EndPoint => _ipv4EndPoint;

    /// <summary>The bound IPv6 endpoint, or null.</summary>
    public IPEndPoint? IPv6EndPoint => _ipv6EndPoint;

    /// <summary>
    /// Why IPv6 was asked for but not bound (the OS lacks it, or the address is not configured);
    /// null when IPv6 is bound or was not asked for.
    /// </summary>
    public string? IPv6UnavailableReason { get; private set; }

    /// <summary>The largest datagram delivered to the handler; longer ones are dropped and counted.</summary>
    public int MaxDatagramSize => _maxDatagramSize;

    /// <summary>Datagram, byte and error totals.</summary>
    public TransportCounters Counters { get; } = new();

    /// <inheritdoc />
    public void Start(DatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        int previous = Interlocked.CompareExchange(ref _state, Started, Created);
        ObjectDisposedException.ThrowIf(previous == Disposed, this);
        if (previous == Started)
        {
            throw new InvalidOperationException("The transport has already been started.");
        }

        // Task.Run so that a datagram already queued is not handled inside Start on the caller's stack.
        var loops = new List<Task>(2);
        if (_ipv4 is not null)
        {
            loops.Add(Task.Run(() => ReceiveLoopAsync(_ipv4, _ipv4EndPoint!, handler)));
        }

        if (_ipv6 is not null)
        {
            loops.Add(Task.Run(() => ReceiveLoopAsync(_ipv6, _ipv6EndPoint!, handler)));
        }

        _loops = [.. loops];
    }

    /// <inheritdoc />
    public bool Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var address = destination.Address;
        Socket? socket;
        SocketAddress socketAddress;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            socket = _ipv4;
            socketAddress = _ipv4Addresses.Get(destination);
        }
        else if (address.IsIPv4MappedToIPv6)
        {
            // Our IPv6 socket is IPv6-only, so a mapped address only reaches its host over IPv4.
            socket = _ipv4;
            socketAddress = _ipv4Addresses.Get(new IPEndPoint(address.MapToIPv4(), destination.Port));
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket = _ipv6;
            socketAddress = _ipv6Addresses.Get(destination);
        }
        else
        {
            Counters.OnSendFailure();
            return false;
        }

        if (socket is null || Volatile.Read(ref _state) == Disposed)
        {
            Counters.OnSendFailure();
            return false;
        }

        try
        {
            socket.SendTo(datagram, SocketFlags.None, socketAddress);
            Counters.OnSent(datagram.Length);
            return true;
        }
        catch (SocketException ex)
        {
            Log.SendFailed(_logger, destination, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while sending: same as a lost packet.
        }

        Counters.OnSendFailure();
        return false;
    }

    /// <summary>Closes the sockets and waits for the receive loops to finish. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, Disposed) == Disposed)
        {
            return;
        }

        // Closing a socket aborts its pending receive, which ends its loop.
        _ipv4?.Dispose();
        _ipv6?.Dispose();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loops catch everything themselves; nothing may escape disposal regardless.
        }
    }

    private static (IPEndPoint? IPv4, IPEndPoint? IPv6) SelectBindEndPoints(UdpTransportOptions options)
    {
        if (options.BindEndPoints is null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, IPEndPoint.MinPort, nameof(options.Port));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort, nameof(options.Port));
            return (new IPEndPoint(IPAddress.Any, options.Port),
                options.EnableIPv6 ? new IPEndPoint(IPAddress.IPv6Any, options.Port) : null);
        }

        IPEndPoint? ipv4 = null;
        IPEndPoint? ipv6 = null;
        foreach (var endPoint in options.BindEndPoints)
        {
            ArgumentNullException.ThrowIfNull(endPoint, nameof(options.BindEndPoints));
            var normalized = endPoint.Unmapped();
            if (normalized.AddressFamily == AddressFamily.InterNetwork && ipv4 is null)
            {
                ipv4 = normalized;
            }
            else if (normalized.AddressFamily == AddressFamily.InterNetworkV6 && ipv6 is null)
            {
                ipv6 = normalized;
            }
            else
            {
                throw new ArgumentException(
                    $"Bind endpoint {endPoint} is not IPv4 or IPv6, or repeats an address family.", nameof(options));
            }
        }

        if (ipv4 is null && ipv6 is null)
        {
            throw new ArgumentException("At least one bind endpoint is needed.", nameof(options));
        }

        return (ipv4, ipv6);
    }

    private static Socket CreateSocket(AddressFamily family, UdpTransportOptions options)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Send must never block the caller; a full send buffer shows up as a failed send instead.
            socket.Blocking = false;
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false; // IPV6_V6ONLY: leaves the IPv4 port to the IPv4 socket
            }

            if (OperatingSystem.IsWindows())
            {
                socket.IOControl(SioUdpConnReset, [0, 0, 0, 0], null);
            }

            if (options.SocketReceiveBufferSize is { } receiveBuffer)
            {
                socket.ReceiveBufferSize = receiveBuffer;
            }

            if (options.SocketSendBufferSize is { } sendBuffer)
            {
                socket.SendBufferSize = sendBuffer;
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Socket? TryBindIPv6(IPEndPoint bind, UdpTransportOptions options)
    {
        if (!Socket.OSSupportsIPv6)
        {
            return IPv6Unavailable(bind, "the operating system reports no IPv6 support");
        }

        Socket socket;
        try
        {
            socket = CreateSocket(AddressFamily.InterNetworkV6, options);
        }
        catch (SocketException ex) when (_ipv4 is not null && IsUnavailable(ex.SocketErrorCode))
        {
            return IPv6Unavailable(bind, ex.Message);
        }

        try
        {
            // Same port on both families is what users expect to open in a firewall or forward on a router.
            if (bind.Port == 0 && _ipv4?.LocalEndPoint is IPEndPoint ipv4Bound)
            {
                try
                {
                    socket.Bind(new IPEndPoint(bind.Address, ipv4Bound.Port));
                    return socket;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    // Taken on IPv6 by someone else: fall through to any free port.
                }
            }

            socket.Bind(bind);
            return socket;
        }
        catch (SocketException ex) when (_ipv4 is not null && IsUnavailable(ex.SocketErrorCode))
        {
            socket.Dispose();
            return IPv6Unavailable(bind, ex.Message);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Socket? IPv6Unavailable(IPEndPoint bind, string reason)
    {
        if (_ipv4 is null)
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported, $"Cannot bind {bind}: {reason}");
        }

        IPv6UnavailableReason = reason;
        Log.IPv6Unavailable(_logger, reason);
        return null;
    }

    private static bool IsUnavailable(SocketError error) => error is SocketError.AddressFamilyNotSupported
        or SocketError.ProtocolFamilyNotSupported
        or SocketError.ProtocolNotSupported
        or SocketError.SocketNotSupported
        or SocketError.OperationNotSupported
        or SocketError.AddressNotAvailable;

    private async Task ReceiveLoopAsync(Socket socket, IPEndPoint local, DatagramHandler handler)
    {
        // One extra byte tells an exactly-full datagram from a longer one that the OS truncated.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_maxDatagramSize + 1);
        var receiveMemory = buffer.AsMemory(0, _maxDatagramSize + 1);
        var source = new SocketAddress(socket.AddressFamily);
        var sources = new ReceiveEndPointCache(socket.AddressFamily);
        int consecutiveErrors = 0;
        try
        {
            while (Volatile.Read(ref _state) != Disposed)
            {
                int received;
                try
                {
                    received = await socket.ReceiveFromAsync(receiveMemory, SocketFlags.None, source).ConfigureAwait(false);
                    consecutiveErrors = 0;
                }
                catch (Exception) when (Volatile.Read(ref _state) == Disposed)
                {
                    break;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.MessageSize)
                {
                    Counters.OnDropped();
                    continue;
                }
                catch (Exception ex)
                {
                    // ConnectionReset from an ICMP port unreachable, a network going down, anything:
                    // the socket is still ours and the next datagram may be fine.
                    Counters.OnReceiveError();
                    if (ex is SocketException socketError)
                    {
                        Log.ReceiveError(_logger, local, socketError.SocketErrorCode);
                    }
                    else
                    {
                        Log.ReceiveFailure(_logger, local, ex);
                    }

                    if (++consecutiveErrors >= ErrorsBeforePause)
                    {
                        await PauseAsync(consecutiveErrors).ConfigureAwait(false);
                    }

                    continue;
                }

                if (received > _maxDatagramSize)
                {
                    Counters.OnDropped();
                    continue;
                }

                var from = sources.Get(source);
                Counters.OnReceived(received);
                try
                {
                    handler(buffer.AsSpan(0, received), from);
                }
                catch (Exception ex)
                {
                    Counters.OnHandlerFault();
                    Log.HandlerFault(_logger, from, ex);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PauseAsync(int consecutiveErrors)
    {
        var pause = TimeSpan.FromMilliseconds(Math.Min(10 * (consecutiveErrors - ErrorsBeforePause + 1), 1000));
        try
        {
            await Task.Delay(pause, _timeProvider).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A pause is best effort; the loop checks for disposal itself.
        }
    }
}
