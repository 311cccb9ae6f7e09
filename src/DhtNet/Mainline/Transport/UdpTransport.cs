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

    // Linux's SOL_SOCKET and SO_REUSEPORT (the BCL names only SO_REUSEADDR).
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    // The most sockets per family that ReceiveSockets = null picks, and attempts at an ephemeral port for a group.
    private const int MaxAutomaticReceiveSockets = 4;
    private const int GroupBindAttempts = 4;

    // Sockets are blocking so that each receive thread sleeps in recvfrom: no thread-pool hop and no
    // epoll round per datagram. A send waits at most this long for room in a full send buffer
    // (Linux rounds it up to one scheduler tick) and is then counted as failed, like a lost packet.
    private const int SendTimeoutMilliseconds = 1;

    // Send slots hold any KRPC message we write (BEP 44 items included) even when datagrams we accept are smaller.
    private const int KrpcSendSlot = 1500;

    // A blocked receive wakes this often to see whether the transport was disposed (closing the
    // socket normally wakes it at once; this is the fallback where the OS does not).
    private const int ReceiveWakeMilliseconds = 500;

    private readonly Socket[] _ipv4Group = [];
    private readonly Socket[] _ipv6Group = [];
    private readonly Socket? _ipv4;
    private readonly Socket? _ipv6;
    private readonly int _receiveSockets;
    private readonly SendAddressCache _ipv4Addresses = new();
    private readonly SendAddressCache _ipv6Addresses = new();
    private readonly IPEndPoint[] _localEndPoints;
    private readonly IPEndPoint? _ipv4EndPoint;
    private readonly IPEndPoint? _ipv6EndPoint;
    private readonly int _maxDatagramSize;
    private readonly int _batchSize;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private Task[] _loops = [];
    private int _state;

    // The batch of the receive thread running now, while it hands a batch of datagrams to the
    // handler: replies sent from inside the handler wait in it for one sendmmsg.
    [ThreadStatic]
    private static ReceiveThreadBatch? _currentBatch;

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
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DatagramBatchSize, 1, nameof(options.DatagramBatchSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.DatagramBatchSize, UdpTransportOptions.MaxDatagramBatchSize, nameof(options.DatagramBatchSize));
        _batchSize = DatagramBatch.IsSupported ? options.DatagramBatchSize : 1;
        _timeProvider = options.TimeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;

        _receiveSockets = ReceiveSocketCount(options);

        var (ipv4Bind, ipv6Bind) = SelectBindEndPoints(options);
        try
        {
            if (ipv4Bind is not null)
            {
                _ipv4Group = BindGroup(AddressFamily.InterNetwork, ipv4Bind, options);
                _ipv4 = _ipv4Group[0];
            }

            if (ipv6Bind is not null)
            {
                _ipv6Group = TryBindIPv6(ipv6Bind, options);
                _ipv6 = _ipv6Group.Length > 0 ? _ipv6Group[0] : null;
            }
        }
        catch
        {
            DisposeAll(_ipv4Group);
            DisposeAll(_ipv6Group);
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
                Log.Bound(_logger, bound, _receiveSockets, ReceiveBufferSize);
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

    /// <summary>Sockets, each with its own receive thread, per bound address family (see <see cref="UdpTransportOptions.ReceiveSockets"/>).</summary>
    public int ReceiveSockets => _receiveSockets;

    /// <summary>
    /// SO_RCVBUF as the OS reports it for the first socket (Linux reports twice the size asked for,
    /// and caps what it grants at net.core.rmem_max), or 0 when the socket is closed.
    /// </summary>
    public int ReceiveBufferSize
    {
        get
        {
            try
            {
                return (_ipv4 ?? _ipv6)?.ReceiveBufferSize ?? 0;
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
        }
    }

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

        // A thread per socket, handing each datagram to the handler inline: a datagram already queued
        // is not handled inside Start on the caller's stack, and none waits for a thread-pool worker.
        var loops = new List<Task>(_ipv4Group.Length + _ipv6Group.Length);
        foreach (var socket in _ipv4Group)
        {
            loops.Add(StartReceiveThread(socket, _ipv4EndPoint!, handler));
        }

        foreach (var socket in _ipv6Group)
        {
            loops.Add(StartReceiveThread(socket, _ipv6EndPoint!, handler));
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

        if (_currentBatch is { } batch && batch.Owner == this && batch.Socket.AddressFamily == socket.AddressFamily)
        {
            // A reply written on a receive thread: it leaves with the others of its batch. Whatever
            // does not fit goes now, after what was queued before it, so one peer's order holds.
            if (batch.Batch.TryQueue(datagram, socketAddress))
            {
                return true;
            }

            Flush(batch);
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
        DisposeAll(_ipv4Group);
        DisposeAll(_ipv6Group);
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

    private static int ReceiveSocketCount(UdpTransportOptions options)
    {
        if (options.ReceiveSockets is { } asked)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(asked, 1, nameof(options.ReceiveSockets));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(asked, 64, nameof(options.ReceiveSockets));
        }

        // SO_REUSEPORT spreads datagrams over the group only on Linux; elsewhere one socket would get them all.
        if (!OperatingSystem.IsLinux())
        {
            return 1;
        }

        return options.ReceiveSockets ?? Math.Clamp(Environment.ProcessorCount, 1, MaxAutomaticReceiveSockets);
    }

    private static void DisposeAll(Socket[] sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    /// <summary>One socket bound to <paramref name="bind"/>, or a SO_REUSEPORT group of <see cref="ReceiveSockets"/> on one port.</summary>
    private Socket[] BindGroup(AddressFamily family, IPEndPoint bind, UdpTransportOptions options)
    {
        if (_receiveSockets == 1)
        {
            var socket = CreateSocket(family, options, reusePort: false);
            try
            {
                socket.Bind(bind);
                return [socket];
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        for (int attempt = 1; ; attempt++)
        {
            // A socket without SO_REUSEPORT binds the port alone first: it fails when another socket
            // holds the port (with or without SO_REUSEPORT), and for port 0 it picks a port nobody
            // holds, which the group then shares. Only the group joins SO_REUSEPORT.
            int port;
            using (var probe = CreateSocket(family, options, reusePort: false))
            {
                probe.Bind(bind);
                port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }

            var group = new List<Socket>(_receiveSockets);
            try
            {
                for (int i = 0; i < _receiveSockets; i++)
                {
                    var socket = CreateSocket(family, options, reusePort: true);
                    group.Add(socket);
                    socket.Bind(new IPEndPoint(bind.Address, port));
                }

                return [.. group];
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && bind.Port == 0 && attempt < GroupBindAttempts)
            {
                // Someone took the free port between the probe and the group: pick another.
                DisposeAll([.. group]);
            }
            catch
            {
                DisposeAll([.. group]);
                throw;
            }
        }
    }

    private static Socket CreateSocket(AddressFamily family, UdpTransportOptions options, bool reusePort)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SendTimeout = SendTimeoutMilliseconds;
            socket.ReceiveTimeout = ReceiveWakeMilliseconds;
            if (reusePort)
            {
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

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

    private Socket[] TryBindIPv6(IPEndPoint bind, UdpTransportOptions options)
    {
        if (!Socket.OSSupportsIPv6)
        {
            return IPv6Unavailable(bind, "the operating system reports no IPv6 support");
        }

        try
        {
            // Same port on both families is what users expect to open in a firewall or forward on a router.
            if (bind.Port == 0 && _ipv4?.LocalEndPoint is IPEndPoint ipv4Bound)
            {
                try
                {
                    return BindGroup(AddressFamily.InterNetworkV6, new IPEndPoint(bind.Address, ipv4Bound.Port), options);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    // Taken on IPv6 by someone else: fall through to any free port.
                }
            }

            return BindGroup(AddressFamily.InterNetworkV6, bind, options);
        }
        catch (SocketException ex) when (_ipv4 is not null && IsUnavailable(ex.SocketErrorCode))
        {
            return IPv6Unavailable(bind, ex.Message);
        }
    }

    private Socket[] IPv6Unavailable(IPEndPoint bind, string reason)
    {
        if (_ipv4 is null)
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported, $"Cannot bind {bind}: {reason}");
        }

        IPv6UnavailableReason = reason;
        Log.IPv6Unavailable(_logger, reason);
        return [];
    }

    private static bool IsUnavailable(SocketError error) => error is SocketError.AddressFamilyNotSupported
        or SocketError.ProtocolFamilyNotSupported
        or SocketError.ProtocolNotSupported
        or SocketError.SocketNotSupported
        or SocketError.OperationNotSupported
        or SocketError.AddressNotAvailable;

    private Task StartReceiveThread(Socket socket, IPEndPoint local, DatagramHandler handler)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (_batchSize > 1)
                {
                    BatchReceiveLoop(socket, local, handler);
                }
                else
                {
                    ReceiveLoop(socket, local, handler);
                }
            }
            finally
            {
                finished.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "DhtNet UDP receive " + local,
        };
        thread.Start();
        return finished.Task;
    }

    private void ReceiveLoop(Socket socket, IPEndPoint local, DatagramHandler handler)
    {
        // One extra byte tells an exactly-full datagram from a longer one that the OS truncated.
        // The buffer lives as long as the thread: allocated once, never returned to a pool.
        byte[] buffer = GC.AllocateUninitializedArray<byte>(_maxDatagramSize + 1, pinned: true);
        var source = new SocketAddress(socket.AddressFamily);
        var sources = new ReceiveEndPointCache(socket.AddressFamily);
        int consecutiveErrors = 0;
        while (Volatile.Read(ref _state) != Disposed)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(buffer, SocketFlags.None, source);
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
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                // The periodic wake-up of an idle socket: look at the state again.
                continue;
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
                    Pause(consecutiveErrors);
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

    // recvmmsg / sendmmsg (Linux): up to _batchSize datagrams per receive call, handled in order on
    // this thread, and the replies they produced sent with one call after the batch.
    private void BatchReceiveLoop(Socket socket, IPEndPoint local, DatagramHandler handler)
    {
        // One extra byte per slot tells an exactly-full datagram from a longer one that the OS cut.
        var batch = new ReceiveThreadBatch(this, socket, new DatagramBatch(_batchSize, Math.Max(_maxDatagramSize + 1, KrpcSendSlot)));
        var source = new SocketAddress(socket.AddressFamily);
        var sources = new ReceiveEndPointCache(socket.AddressFamily);
        int consecutiveErrors = 0;
        while (Volatile.Read(ref _state) != Disposed)
        {
            int received;
            int error;
            try
            {
                received = batch.Batch.Receive(socket, out error);
            }
            catch (ObjectDisposedException)
            {
                break;
            }

            if (received < 0)
            {
                if (Volatile.Read(ref _state) == Disposed)
                {
                    break;
                }

                if (error is DatagramBatch.ErrorTryAgain or DatagramBatch.ErrorInterrupted)
                {
                    continue; // the periodic wake-up of an idle socket, or a signal
                }

                // As in the single-datagram loop: the socket is still ours and the next datagram may be fine.
                Counters.OnReceiveError();
                Log.ReceiveFailure(_logger, local, new System.ComponentModel.Win32Exception(error));
                if (++consecutiveErrors >= ErrorsBeforePause)
                {
                    Pause(consecutiveErrors);
                }

                continue;
            }

            consecutiveErrors = 0;
            _currentBatch = batch;
            try
            {
                for (int i = 0; i < received && Volatile.Read(ref _state) != Disposed; i++)
                {
                    var datagram = batch.Batch.Datagram(i, out bool truncated);
                    if (truncated || datagram.Length > _maxDatagramSize || !batch.Batch.TryCopySource(i, source))
                    {
                        Counters.OnDropped();
                        continue;
                    }

                    var from = sources.Get(source);
                    Counters.OnReceived(datagram.Length);
                    try
                    {
                        handler(datagram, from);
                    }
                    catch (Exception ex)
                    {
                        Counters.OnHandlerFault();
                        Log.HandlerFault(_logger, from, ex);
                    }
                }
            }
            catch (Exception ex)
            {
                // Nothing here should throw; if it does, the loop still lives.
                Counters.OnReceiveError();
                Log.ReceiveFailure(_logger, local, ex);
            }
            finally
            {
                _currentBatch = null;
                Flush(batch);
            }
        }
    }

    private void Flush(ReceiveThreadBatch batch)
    {
        int pending = batch.Batch.Pending;
        if (pending == 0)
        {
            return;
        }

        int sent = batch.Batch.Flush(batch.Socket, out int error);
        for (int i = 0; i < pending; i++)
        {
            if (i < sent)
            {
                Counters.OnSent(batch.Batch.QueuedLength(i));
            }
            else
            {
                Counters.OnSendFailure();
            }
        }

        if (sent < pending)
        {
            Log.BatchSendFailed(_logger, pending - sent, error);
        }

        batch.Batch.Clear();
    }

    private void Pause(int consecutiveErrors)
    {
        var pause = TimeSpan.FromMilliseconds(Math.Min(10 * (consecutiveErrors - ErrorsBeforePause + 1), 1000));
        try
        {
            // The receive thread is ours, so it may wait; the clock is the injected one.
            Task.Delay(pause, _timeProvider).Wait();
        }
        catch (Exception)
        {
            // A pause is best effort; the loop checks for disposal itself.
        }
    }

    /// <summary>A receive thread's batch, with the transport and socket it belongs to.</summary>
    private sealed record ReceiveThreadBatch(UdpTransport Owner, Socket Socket, DatagramBatch Batch);
}
