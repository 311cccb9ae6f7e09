using System.Net.Sockets;
using System.Net;
using DhtNet.Internal;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;
using DhtNet.Mainline.Transport;
using DhtNet.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace DhtNet.Mainline;

/// <summary>
/// A BitTorrent Mainline DHT node: joins the network over UDP (or any <see cref="IDatagramTransport"/>),
/// answers other nodes' queries, and offers the IPFS-style DHT operations — <see cref="QueryAsync"/>,
/// <see cref="FindPeerAsync"/>, <see cref="FindProvidersAsync"/> and <see cref="ProvideAsync(NodeId, int?, CancellationToken)"/>.
/// Create it, <see cref="StartAsync"/> it, and dispose it to leave.
/// </summary>
public sealed partial class DhtNode : IAsyncDisposable
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromMinutes(1);

    private readonly DhtOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDatagramTransport? _givenTransport;
    private readonly PeerStore _peers;
    private readonly ItemStore _items;
    private readonly TokenManager _tokens;
    private readonly ExternalAddressVoter _voter;
    private readonly RecentTokens _recentTokens;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _lock = new();

    private IDatagramTransport? _transport;
    private KrpcDispatcher? _dispatcher;
    private RoutingTable? _table4;
    private RoutingTable? _table6;
    private ITimer? _maintenance;
    private NodeId _id;
    private int _state; // 0 created, 1 starting or started, 2 disposed
    private int _rebootstrapping; // 1 while a bootstrap after start runs

    /// <summary>A node on real UDP sockets bound as <paramref name="options"/> say.</summary>
    public DhtNode(DhtOptions? options = null)
        : this(null, options)
    {
    }

    /// <summary>A node on a transport you provide (for example an in-memory network); the node disposes it.</summary>
    public DhtNode(IDatagramTransport? transport, DhtOptions? options = null)
    {
        _options = options ?? new DhtOptions();
        _options.Validate();
        _givenTransport = transport;
        _time = _options.TimeProvider;
        _logger = _options.LoggerFactory?.CreateLogger<DhtNode>() ?? (ILogger)NullLogger.Instance;
        _id = _options.NodeId ?? NodeId.Random();
        _peers = new PeerStore(new PeerStoreOptions
        {
            PeerLifetime = _options.PeerTimeToLive,
            MaxPeersPerInfohash = _options.MaxPeersPerInfohash,
            MaxInfohashes = _options.MaxInfohashes,
            MaxBytes = _options.MaxPeerStoreBytes,
        }, _time);
        _items = new ItemStore(new ItemStoreOptions(), _time);
        _tokens = new TokenManager(_time);
        _voter = new ExternalAddressVoter(_time);
        _recentTokens = new RecentTokens(_time);
        _signatureChecks = new TokenBucket(_time, MaxSignatureChecksPerSecond, MaxSignatureChecksPerSecond);
        _queryLimiter = new AddressRateLimiter(_time, _options.MaxQueriesPerSecondPerAddress, 2.0 * _options.MaxQueriesPerSecondPerAddress);
    }

    /// <summary>Our node id (it may change once, at start, to match our external address per BEP 42).</summary>
    public NodeId Id => _id;

    /// <summary>The endpoints the node is bound to (empty before <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _transport?.LocalEndPoints ?? [];

    /// <summary>Our public address as several other nodes report it (BEP 42), or null while unknown.</summary>
    public IPAddress? ExternalAddress => _voter.ExternalAddress;

    /// <summary>The options the node runs with.</summary>
    public DhtOptions Options => _options;

    /// <summary>Number of nodes in the routing tables (IPv4 and IPv6).</summary>
    public int RoutingTableSize => (_table4?.Count ?? 0) + (_table6?.Count ?? 0);

    /// <summary>KRPC counters (queries, responses, timeouts, malformed datagrams).</summary>
    public KrpcDispatcher? Krpc => _dispatcher;

    /// <summary>A node was added to a routing table.</summary>
    public event EventHandler<NodeAddedEventArgs>? NodeAdded;

    /// <summary>A lookup found a peer for an infohash.</summary>
    public event EventHandler<PeerFoundEventArgs>? PeerFound;

    /// <summary>Another node announced a peer to us.</summary>
    public event EventHandler<AnnounceReceivedEventArgs>? AnnounceReceived;

    /// <summary>A problem the node survived: an unresolvable bootstrap host, a failing handler, …</summary>
    public event EventHandler<DhtWarningEventArgs>? Warning;

    /// <summary>A lookup finished.</summary>
    public event EventHandler<LookupCompletedEventArgs>? LookupCompleted;

    /// <summary>
    /// Binds the transport, starts answering queries and bootstraps: asks the configured bootstrap
    /// nodes (and any restored nodes) for our neighbours, then looks up our own id. Completes when
    /// bootstrap is over, even if no node answered (see <see cref="RoutingTableSize"/>).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            ObjectDisposedException.ThrowIf(_state == 2, this);
            throw new InvalidOperationException("The node is already started.");
        }

        _transport = _givenTransport ?? CreateUdpTransport();
        foreach (var endPoint in _transport.LocalEndPoints)
        {
            if (CompactEncoding.Family(endPoint) == AddressFamily.InterNetwork)
            {
                _table4 ??= CreateTable(AddressFamily.InterNetwork);
            }
            else
            {
                _table6 ??= CreateTable(AddressFamily.InterNetworkV6);
            }
        }

        _dispatcher = new KrpcDispatcher(
            _transport,
            new QueryHandler(this),
            _time,
            new KrpcDispatcherOptions { MaxPendingQueries = _options.MaxPendingQueries, ReadOnly = _options.ReadOnly },
            _options.LoggerFactory?.CreateLogger<KrpcDispatcher>());
        _dispatcher.NodeSeen += OnNodeSeen;
        _dispatcher.Start();
        Log.Listening(_logger, _id, string.Join(", ", _transport.LocalEndPoints));

        ImportPending();
        _maintenance = _time.CreateTimer(static state => ((DhtNode)state!).RunMaintenance(), this, MaintenanceInterval, MaintenanceInterval);
        await BootstrapAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Leaves the network: stops timers, abandons pending queries and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2)
        {
            return;
        }

        _shutdown.Cancel();
        _maintenance?.Dispose();
        _dispatcher?.Dispose();
        if (_transport is not null)
        {
            await _transport.DisposeAsync().ConfigureAwait(false);
        }
        else if (_givenTransport is not null)
        {
            await _givenTransport.DisposeAsync().ConfigureAwait(false);
        }

        _shutdown.Dispose();
    }

    private UdpTransport CreateUdpTransport()
    {
        var endPoints = new List<IPEndPoint>();
        foreach (var address in _options.BindAddresses)
        {
            endPoints.Add(new IPEndPoint(address, _options.Port));
        }

        return new UdpTransport(endPoints, _options.LoggerFactory?.CreateLogger<UdpTransport>());
    }

    private RoutingTable CreateTable(AddressFamily family) => new(_id, family, _time, new RoutingTableOptions
    {
        BucketSize = _options.K,
        EnforceNodeIdSecurity = _options.EnforceNodeIdSecurity,
    });

    private RoutingTable? TableFor(IPEndPoint endPoint) =>
        CompactEncoding.Family(endPoint) == AddressFamily.InterNetwork ? _table4 : _table6;

    private IEnumerable<RoutingTable> Tables
    {
        get
        {
            if (_table4 is not null)
            {
                yield return _table4;
            }

            if (_table6 is not null)
            {
                yield return _table6;
            }
        }
    }

    private KrpcDispatcher Dispatcher
    {
        get
        {
            ObjectDisposedException.ThrowIf(_state == 2, this);
            return _dispatcher ?? throw new InvalidOperationException("Start the node first (StartAsync).");
        }
    }

    private void RaiseWarning(string message, Exception? exception = null)
    {
        Log.Warning(_logger, message, exception);
        Raise(Warning, new DhtWarningEventArgs(message, exception), nameof(Warning));
    }

    // A user's handler must not break the receive path or a lookup.
    private void Raise<T>(EventHandler<T>? handler, T args, string name)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, args);
        }
        catch (Exception e)
        {
            Log.EventHandlerFailed(_logger, name, e);
            // Tell the user through Warning, unless it is the Warning handler that failed.
            if (name != nameof(Warning))
            {
                Raise(Warning, new DhtWarningEventArgs($"a {name} event handler threw", e), nameof(Warning));
            }
        }
    }

    private void RunMaintenance()
    {
        if (_state != 1)
        {
            return;
        }

        _peers.Purge();
        _items.Purge();
        _recentTokens.Purge();
        if (RoutingTableSize == 0 && _options.BootstrapNodes.Count > 0)
        {
            // Every node was lost (or none ever answered): start over from the bootstrap nodes.
            RebootstrapAsync().Observe(_logger, "bootstrap again");
        }
        else
        {
            RefreshStaleBucketsAsync(_shutdown.Token).Observe(_logger, "bucket refresh");
        }
    }

    private async Task RebootstrapAsync()
    {
        if (Interlocked.Exchange(ref _rebootstrapping, 1) != 0)
        {
            return;
        }

        try
        {
            Log.Rebootstrapping(_logger);
            await BootstrapAsync(_shutdown.Token).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _rebootstrapping, 0);
        }
    }
}
