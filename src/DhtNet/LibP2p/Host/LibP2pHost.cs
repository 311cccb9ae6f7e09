using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DhtNet.Internal;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Multistream;
using DhtNet.LibP2p.Noise;
using DhtNet.LibP2p.Ping;
using DhtNet.LibP2p.Transport.Tcp;
using DhtNet.LibP2p.Yamux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.LibP2p.Host;

/// <summary>
/// A libp2p host over TCP + Noise + yamux: it listens, dials (one connection per peer, reused for
/// every stream), routes inbound streams to handlers by protocol id, runs identify, identify push and
/// ping, and keeps every resource bounded (connections, pending handshakes, streams and buffered
/// bytes per connection, idle connections, dial back-off). A misbehaving peer loses its connection;
/// the host keeps serving everyone else.
/// </summary>
public sealed partial class LibP2pHost : IAsyncDisposable
{
    // How often a host listening on a wildcard re-reads the interface addresses it advertises in its place
    // (a DHCP lease, a VPN or a new interface changes them; identify push tells connected peers).
    private static readonly TimeSpan AddressRefreshPeriod = TimeSpan.FromMinutes(1);

    private readonly PrivateKey _identity;
    private readonly LibP2pHostOptions _options;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Func<LibP2pStream, CancellationToken, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<PeerId, List<LibP2pConnection>> _connections = [];
    private readonly object _connectionsGate = new();
    private readonly ConcurrentDictionary<PeerId, Task<LibP2pConnection>> _dials = new();
    private readonly PeerBook _peers;
    private readonly List<TcpTransportListener> _listeners = [];
    private readonly CancellationTokenSource _stopping = new();
    private IReadOnlyList<Multiaddr> _listenAddresses = [];
    private IReadOnlyList<Multiaddr> _advertisedAddresses = [];
    private int _connectionCount;
    private int _pendingHandshakes;
    private int _started;
    private int _disposed;

    /// <summary>A host with the identity <paramref name="identity"/>; nothing happens until <see cref="StartAsync"/>.</summary>
    public LibP2pHost(PrivateKey identity, LibP2pHostOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        _options = options ?? new LibP2pHostOptions();
        _options.YamuxOptions.Validate();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<LibP2pHost>();
        _clock = _options.TimeProvider;
        _peers = new PeerBook(_options.MaxKnownPeers, _options.MaxAddressesPerPeer);
        PeerId = identity.PeerId;
        _handlers[Identify.IdentifyProtocol.Id] = AnswerIdentifyAsync;
        _handlers[Identify.IdentifyProtocol.PushId] = ReceiveIdentifyPushAsync;
        _handlers[PingProtocol.Id] = (stream, token) => PingProtocol.EchoAsync(stream, token);
    }

    /// <summary>A connection to a peer was established (either direction).</summary>
    public event EventHandler<LibP2pConnection>? PeerConnected;

    /// <summary>A connection to a peer closed.</summary>
    public event EventHandler<LibP2pConnection>? PeerDisconnected;

    /// <summary>Identify (or a push) told us a peer's protocols and addresses.</summary>
    public event EventHandler<PeerIdentity>? PeerIdentified;

    public PeerId PeerId { get; }

    /// <summary>
    /// The addresses actually listened on (ports filled in), once started; they may be the wildcard
    /// <c>0.0.0.0</c> or <c>::</c>. Peers are told <see cref="AdvertisedAddresses"/>.
    /// </summary>
    public IReadOnlyList<Multiaddr> ListenAddresses => Volatile.Read(ref _listenAddresses);

    /// <summary>
    /// The addresses peers are told to dial (identify, the IPFS DHT's peer and provider records), once
    /// started: <see cref="ListenAddresses"/> with a wildcard replaced by this machine's interface addresses
    /// of its family (link-local ones left out, loopback last, at most 16), re-read every minute. Never
    /// <c>0.0.0.0</c> or <c>::</c>.
    /// </summary>
    public IReadOnlyList<Multiaddr> AdvertisedAddresses => Volatile.Read(ref _advertisedAddresses);

    /// <summary>The protocols with a handler, as identify advertises them.</summary>
    public IReadOnlyList<string> Protocols => [.. _handlers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Open connections, both directions.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Inbound connections still in their handshake.</summary>
    public int PendingHandshakes => Volatile.Read(ref _pendingHandshakes);

    /// <summary>Open streams over all connections.</summary>
    public int StreamCount => Connections.Sum(c => c.StreamCount);

    /// <summary>A snapshot of the open connections.</summary>
    public IReadOnlyList<LibP2pConnection> Connections
    {
        get
        {
            lock (_connectionsGate)
            {
                return [.. _connections.Values.SelectMany(list => list)];
            }
        }
    }

    /// <summary>Starts listening on <see cref="LibP2pHostOptions.ListenAddresses"/>.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The host is already started.");
        }

        var bound = new List<Multiaddr>();
        try
        {
            foreach (var address in _options.ListenAddresses)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var listener = TcpTransport.Listen(address);
                _listeners.Add(listener);
                bound.Add(listener.Address);
                Log.Listening(_logger, PeerId, listener.Address);
            }
        }
        catch
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }

            throw;
        }

        Volatile.Write(ref _listenAddresses, bound);
        bool wildcard = bound.Any(UnspecifiedAddresses.IsUnspecified);
        RefreshAdvertisedAddresses(wildcard ? UnspecifiedAddresses.InterfaceAddresses() : []);
        foreach (var listener in _listeners)
        {
            AcceptLoopAsync(listener).Observe(_logger, "libp2p accept loop");
        }

        IdleLoopAsync().Observe(_logger, "libp2p idle check");
        if (wildcard)
        {
            AddressRefreshLoopAsync().Observe(_logger, "libp2p address refresh");
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Recomputes <see cref="AdvertisedAddresses"/> from the listen addresses and <paramref name="interfaces"/>;
    /// when they changed, connected peers are told through identify push. True when they changed.
    /// </summary>
    internal bool RefreshAdvertisedAddresses(IReadOnlyList<IPAddress> interfaces)
    {
        var advertised = UnspecifiedAddresses.Resolve(ListenAddresses, interfaces);
        var before = Interlocked.Exchange(ref _advertisedAddresses, advertised);
        if (before.SequenceEqual(advertised))
        {
            return false;
        }

        if (!ListenAddresses.SequenceEqual(advertised))
        {
            Log.Advertising(_logger, PeerId, string.Join(", ", advertised));
        }

        PushIdentifyToAll();
        return true;
    }

    /// <summary>
    /// Routes inbound streams for <paramref name="protocol"/> to <paramref name="handler"/>; the stream
    /// is disposed when the handler returns. Connected peers are told through identify push.
    /// </summary>
    public void SetStreamHandler(string protocol, Func<LibP2pStream, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        ArgumentNullException.ThrowIfNull(handler);
        bool added = !_handlers.ContainsKey(protocol);
        _handlers[protocol] = handler;
        if (added)
        {
            PushIdentifyToAll();
        }
    }

    /// <summary>Stops accepting streams for <paramref name="protocol"/>; connected peers are told.</summary>
    public void RemoveStreamHandler(string protocol)
    {
        if (_handlers.TryRemove(protocol, out _))
        {
            PushIdentifyToAll();
        }
    }

    /// <summary>Remembers addresses for <paramref name="peer"/> (bounded; the oldest peer is forgotten first).</summary>
    public void AddAddresses(PeerId peer, IEnumerable<Multiaddr> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        _peers.AddAddresses(peer, addresses);
    }

    /// <summary>The addresses known for <paramref name="peer"/>.</summary>
    public IReadOnlyList<Multiaddr> GetAddresses(PeerId peer) => _peers.Addresses(peer);

    /// <summary>What identify last told us about <paramref name="peer"/>, or null.</summary>
    public PeerIdentity? GetIdentity(PeerId peer) => _peers.Identity(peer);

    /// <summary>The open connection to <paramref name="peer"/> (the oldest when there are several), or null.</summary>
    public LibP2pConnection? GetConnection(PeerId peer)
    {
        lock (_connectionsGate)
        {
            return _connections.TryGetValue(peer, out var list) ? list.FirstOrDefault(c => !c.IsClosed) : null;
        }
    }

    /// <summary>
    /// The connection to <paramref name="peer"/>: the open one, or a new one dialled over the known
    /// addresses plus <paramref name="addresses"/>. Concurrent calls share one dial. Throws
    /// <see cref="IOException"/> when every address failed or the peer is in dial back-off.
    /// </summary>
    public async Task<LibP2pConnection> ConnectAsync(PeerId peer, IEnumerable<Multiaddr>? addresses = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (peer == PeerId)
        {
            throw new ArgumentException("A host does not dial itself.", nameof(peer));
        }

        if (addresses is not null)
        {
            _peers.AddAddresses(peer, addresses);
        }

        if (GetConnection(peer) is { } open)
        {
            return open;
        }

        var attempt = new TaskCompletionSource<LibP2pConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dial = _dials.GetOrAdd(peer, attempt.Task);
        if (dial == attempt.Task)
        {
            DialAsync(peer, attempt).Observe(_logger, "libp2p dial");
        }

        return await dial.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Dials <c>/ip4|ip6/…/tcp/…/p2p/{peer}</c>.</summary>
    public Task<LibP2pConnection> ConnectAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var peer = address.PeerId ?? throw new ArgumentException($"{address} does not end in /p2p/<peer id>.", nameof(address));
        return ConnectAsync(peer, [address], cancellationToken);
    }

    /// <summary>
    /// Opens a stream to <paramref name="peer"/> (connecting first when needed) and agrees on the first
    /// of <paramref name="protocols"/> the peer supports. Throws <see cref="LibP2pProtocolException"/>
    /// when it supports none, <see cref="TimeoutException"/> when negotiation stalls.
    /// </summary>
    public async Task<LibP2pStream> NewStreamAsync(PeerId peer, IReadOnlyList<string> protocols, CancellationToken cancellationToken = default)
    {
        var connection = await ConnectAsync(peer, null, cancellationToken).ConfigureAwait(false);
        return await OpenStreamAsync(connection, protocols, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a stream on <paramref name="connection"/> (see <see cref="NewStreamAsync"/>).</summary>
    public async Task<LibP2pStream> OpenStreamAsync(LibP2pConnection connection, IReadOnlyList<string> protocols, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var stream = connection.Session.OpenStream();
        connection.Touch(_clock.GetTimestamp());
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        deadline.CancelAfter(_options.NegotiationTimeout);
        try
        {
            string protocol = await MultistreamSelect.SelectAsync(stream, protocols, deadline.Token).ConfigureAwait(false);
            return new LibP2pStream(stream, connection, protocol);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            stream.Reset();
            throw new TimeoutException($"{connection.RemotePeer} did not agree on a protocol within {_options.NegotiationTimeout.TotalSeconds:0.#} s.");
        }
        catch
        {
            stream.Reset();
            throw;
        }
    }

    /// <summary>One libp2p ping round with <paramref name="peer"/>; the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(PeerId peer, CancellationToken cancellationToken = default)
    {
        await using var stream = await NewStreamAsync(peer, [PingProtocol.Id], cancellationToken).ConfigureAwait(false);
        var rtt = await PingProtocol.PingAsync(stream, cancellationToken).ConfigureAwait(false);
        stream.CloseWrite();
        return rtt;
    }

    /// <summary>Closes every connection to <paramref name="peer"/>.</summary>
    public async Task DisconnectAsync(PeerId peer)
    {
        LibP2pConnection[] connections;
        lock (_connectionsGate)
        {
            connections = _connections.TryGetValue(peer, out var list) ? [.. list] : [];
        }

        foreach (var connection in connections)
        {
            await connection.Session.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        // _stopping stays undisposed: background work still reads its token while it winds down.
        foreach (var connection in Connections)
        {
            await connection.Session.CloseAsync().ConfigureAwait(false);
        }
    }

    private async Task AcceptLoopAsync(TcpTransportListener listener)
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && token.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of descriptors or a connection reset before accept: the listener itself is fine.
                Log.InboundRefused(_logger, listener.Address.ToString(), e.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(50), _clock, token).ConfigureAwait(false);
                continue;
            }

            string? refusal = PendingHandshakes >= _options.MaxPendingHandshakes ? "too many pending handshakes"
                : ConnectionCount >= _options.MaxConnections ? "connection limit reached"
                : null;
            if (refusal is not null)
            {
                Log.InboundRefused(_logger, socket.RemoteEndPoint?.ToString() ?? "?", refusal);
                socket.Dispose();
                continue;
            }

            Interlocked.Increment(ref _pendingHandshakes);
            UpgradeInboundAsync(socket, listener.Address).Observe(_logger, "libp2p inbound upgrade");
        }
    }

    private async Task UpgradeInboundAsync(Socket socket, Multiaddr listenAddress)
    {
        string remoteText = socket.RemoteEndPoint?.ToString() ?? "?";
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_options.HandshakeTimeout);
            var token = deadline.Token;
            await MultistreamSelect.RespondAsync(stream, p => p == NoiseSecurity.ProtocolId, token).ConfigureAwait(false);
            var secure = await NoiseSecurity.SecureInboundAsync(stream, _identity, token).ConfigureAwait(false);
            await MultistreamSelect.RespondAsync(secure, p => p == YamuxSession.ProtocolId, token).ConfigureAwait(false);
            var session = new YamuxSession(secure, isClient: false, _options.YamuxOptions, _loggerFactory.CreateLogger<YamuxSession>());
            var remote = socket.RemoteEndPoint is IPEndPoint endPoint ? Multiaddr.FromTcpEndPoint(endPoint) : listenAddress;
            var local = socket.LocalEndPoint is IPEndPoint localEndPoint ? Multiaddr.FromTcpEndPoint(localEndPoint) : listenAddress;
            Register(new LibP2pConnection(session, secure.RemoteKey, remote, local, isInbound: true, _clock.GetTimestamp()));
        }
        catch (Exception e)
        {
            Log.UpgradeFailed(_logger, remoteText, e);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingHandshakes);
        }
    }

    private async Task DialAsync(PeerId peer, TaskCompletionSource<LibP2pConnection> attempt)
    {
        try
        {
            attempt.TrySetResult(await DialAddressesAsync(peer).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            attempt.TrySetException(e);
        }
        finally
        {
            _dials.TryRemove(new KeyValuePair<PeerId, Task<LibP2pConnection>>(peer, attempt.Task));
        }
    }

    private async Task<LibP2pConnection> DialAddressesAsync(PeerId peer)
    {
        long now = _clock.GetTimestamp();
        if (_peers.BackoffUntil(peer, now) is { } until)
        {
            throw new IOException($"{peer} failed recently; it is not dialled again for {TimeSpan.FromSeconds((until - now) / (double)_clock.TimestampFrequency).TotalSeconds:0.#} s.");
        }

        if (ConnectionCount >= _options.MaxConnections)
        {
            throw new IOException($"The connection limit ({_options.MaxConnections}) is reached.");
        }

        // 0.0.0.0 or :: (an older or careless peer's wildcard) would dial this machine's own loopback.
        var addresses = _peers.Addresses(peer).Where(a => a.TryGetTcpEndPoint(out var endPoint) && !UnspecifiedAddresses.IsUnspecified(endPoint.Address)).ToArray();
        if (addresses.Length == 0)
        {
            throw new IOException($"No TCP address is known for {peer}.");
        }

        var failures = new List<Exception>();
        foreach (var address in addresses)
        {
            try
            {
                var connection = await DialAddressAsync(peer, address).ConfigureAwait(false);
                _peers.DialSucceeded(peer);
                return connection;
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                failures.Add(e);
            }
        }

        var error = new AggregateException(failures);
        var backoff = _peers.DialFailed(peer, _clock.GetTimestamp(), _options.DialBackoff, _options.MaxDialBackoff, _clock);
        Log.DialFailed(_logger, peer, backoff, error);
        throw new IOException($"Could not connect to {peer}: {string.Join("; ", failures.Select(f => f.Message))}", error);
    }

    private async Task<LibP2pConnection> DialAddressAsync(PeerId peer, Multiaddr address)
    {
        var socket = await TcpTransport.ConnectAsync(address, _options.DialTimeout, _stopping.Token).ConfigureAwait(false);
        var stream = new NetworkStream(socket, ownsSocket: true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(_options.HandshakeTimeout);
        try
        {
            var token = deadline.Token;
            await MultistreamSelect.SelectAsync(stream, [NoiseSecurity.ProtocolId], token).ConfigureAwait(false);
            var secure = await NoiseSecurity.SecureOutboundAsync(stream, _identity, peer, token).ConfigureAwait(false);
            await MultistreamSelect.SelectAsync(secure, [YamuxSession.ProtocolId], token).ConfigureAwait(false);
            var session = new YamuxSession(secure, isClient: true, _options.YamuxOptions, _loggerFactory.CreateLogger<YamuxSession>());
            var local = socket.LocalEndPoint is IPEndPoint endPoint ? Multiaddr.FromTcpEndPoint(endPoint) : address;
            var connection = new LibP2pConnection(session, secure.RemoteKey, address.WithoutPeerId(), local, isInbound: false, _clock.GetTimestamp());
            Register(connection);
            return connection;
        }
        catch (OperationCanceledException e) when (!_stopping.IsCancellationRequested)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"The handshake with {address} took longer than {_options.HandshakeTimeout.TotalSeconds:0.#} s.", e);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Register(LibP2pConnection connection)
    {
        lock (_connectionsGate)
        {
            if (_connectionCount >= _options.MaxConnections || _disposed != 0)
            {
                connection.Session.CloseAsync().Observe(_logger, "libp2p refused connection");
                throw new IOException($"The connection limit ({_options.MaxConnections}) is reached.");
            }

            if (!_connections.TryGetValue(connection.RemotePeer, out var list))
            {
                list = [];
                _connections[connection.RemotePeer] = list;
            }

            list.Add(connection);
            _connectionCount++;
        }

        Log.Connected(_logger, connection.RemotePeer, connection.IsInbound ? "inbound" : "outbound", connection.RemoteAddress);
        if (!connection.IsInbound)
        {
            _peers.AddAddresses(connection.RemotePeer, [connection.RemoteAddress]);
        }

        connection.Session.Start();
        AcceptStreamsAsync(connection).Observe(_logger, "libp2p stream accept");
        connection.Closed.ContinueWith(_ => OnClosed(connection), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
            .Observe(_logger, "libp2p connection closed");
        Raise(PeerConnected, connection, nameof(PeerConnected));
        IdentifyAsync(connection).Observe(_logger, "libp2p identify");
    }

    private void OnClosed(LibP2pConnection connection)
    {
        lock (_connectionsGate)
        {
            if (_connections.TryGetValue(connection.RemotePeer, out var list) && list.Remove(connection))
            {
                _connectionCount--;
                if (list.Count == 0)
                {
                    _connections.Remove(connection.RemotePeer);
                }
            }
        }

        Log.Disconnected(_logger, connection.RemotePeer, connection.CloseReason?.Message);
        Raise(PeerDisconnected, connection, nameof(PeerDisconnected));
    }

    private async Task AcceptStreamsAsync(LibP2pConnection connection)
    {
        while (await connection.Session.AcceptStreamAsync(CancellationToken.None).ConfigureAwait(false) is { } stream)
        {
            HandleStreamAsync(connection, stream).Observe(_logger, "libp2p stream handler");
        }
    }

    private async Task HandleStreamAsync(LibP2pConnection connection, YamuxStream inbound)
    {
        connection.Touch(_clock.GetTimestamp());
        string protocol;
        Func<LibP2pStream, CancellationToken, Task>? handler;
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(_options.NegotiationTimeout);
            protocol = await MultistreamSelect.RespondAsync(inbound, _handlers.ContainsKey, deadline.Token).ConfigureAwait(false);
            if (!_handlers.TryGetValue(protocol, out handler))
            {
                inbound.Reset();
                return;
            }
        }
        catch (Exception e)
        {
            Log.InboundStreamFailed(_logger, connection.RemotePeer, e);
            inbound.Reset();
            return;
        }

        var stream = new LibP2pStream(inbound, connection, protocol);
        try
        {
            await handler(stream, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.InboundStreamFailed(_logger, connection.RemotePeer, e);
            stream.Reset();
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            connection.Touch(_clock.GetTimestamp());
        }
    }

    private async Task AddressRefreshLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(AddressRefreshPeriod, _clock, token).ConfigureAwait(false);
            RefreshAdvertisedAddresses(UnspecifiedAddresses.InterfaceAddresses());
        }
    }

    private async Task IdleLoopAsync()
    {
        var token = _stopping.Token;
        var period = TimeSpan.FromTicks(Math.Max(_options.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks));
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(period, _clock, token).ConfigureAwait(false);
            long now = _clock.GetTimestamp();
            foreach (var connection in Connections)
            {
                if (connection.StreamCount == 0 && _clock.GetElapsedTime(connection.LastActivity, now) >= _options.IdleTimeout)
                {
                    Log.IdleClosed(_logger, connection.RemotePeer);
                    connection.Session.CloseAsync().Observe(_logger, "libp2p idle close");
                }
            }
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T value, string name)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, value);
        }
        catch (Exception e)
        {
            Log.EventHandlerFailed(_logger, name, e);
        }
    }
}
