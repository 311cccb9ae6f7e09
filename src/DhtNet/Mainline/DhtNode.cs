using System.Net;
using System.Net.Sockets;
using DhtNet.Internal;
using DhtNet.Kademlia;
using DhtNet.Mainline.Bep33;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Bep44;
using DhtNet.Mainline.Bep51;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Operations;
using DhtNet.Mainline.Storage;
using DhtNet.Mainline.Transport;
using DhtNet.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Mainline;

/// <summary>
/// A BitTorrent Mainline DHT node: joins the network over UDP (or any <see cref="IDatagramTransport"/>),
/// answers other nodes' queries, and offers the IPFS-style DHT operations — <see cref="QueryAsync"/>,
/// <see cref="FindPeerAsync"/>, <see cref="FindProvidersAsync"/> and <see cref="ProvideAsync(NodeId, int?, CancellationToken)"/>.
/// Create it, <see cref="StartAsync"/> it, and dispose it to leave.
/// </summary>
/// <remarks>
/// The node is a composition: <see cref="Serving"/> answers queries, <see cref="Requests"/> asks them,
/// <see cref="DualStackTables"/> keeps the routing tables on the Kademlia core (its one funnel fed by
/// <see cref="Requests"/>, one <see cref="RoutingUpkeep{TKey, TContact}"/> per table), <see cref="NodeUpkeep"/>
/// holds the node-level bootstrap and BEP 42 rules, and each operation is its own type (Operations/, Bep33/,
/// Bep44/, Bep51/). This class holds the lifecycle, the events and the public surface.
/// </remarks>
public sealed partial class DhtNode : IAsyncDisposable
{
    /// <summary>Signature checks per second a node will do for incoming BEP 44 puts (each costs about 0.1 ms).</summary>
    public const int MaxSignatureChecksPerSecond = 1000;

    /// <summary>Most distinct infohashes <see cref="EnumerateInfohashesAsync"/> remembers to avoid repeats (about 5 MB).</summary>
    public const int MaxRememberedInfohashes = 100_000;

    /// <summary>Most nodes <see cref="EnumerateInfohashesAsync"/> visits in one walk.</summary>
    public const int MaxSampledNodes = 100_000;

    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromMinutes(1);

    private readonly DhtOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDatagramTransport? _givenTransport;
    private readonly MainlineState? _persisted;
    private readonly KeepProviding _providing;
    private readonly PeerStore _peers;
    private readonly ItemStore _items;
    private readonly TokenManager _tokens;
    private readonly ExternalAddressVoter _voter;
    private readonly RecentTokens _recentTokens;
    private readonly AddressRateLimiter _queryLimiter;
    private readonly NodeEvents _events;
    private readonly NodeMetrics? _metrics;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _lock = new();
    private readonly List<NodeInfo> _pendingImport = [];

    private IDatagramTransport? _transport;
    private NodeContext? _context;
    private NodeUpkeep? _upkeep;
    private ITimer? _maintenance;
    private NodeId _initialId;
    private Task? _restore;
    private Ed25519KeyPair? _identityKey;
    private int _state; // 0 created, 1 starting or started, 2 disposed

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
        _initialId = _options.NodeId ?? NodeId.Random();
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
        _queryLimiter = new AddressRateLimiter(_time, _options.MaxQueriesPerSecondPerAddress, 2.0 * _options.MaxQueriesPerSecondPerAddress, _options.RateLimiterSlots);
        _events = new NodeEvents(this, _logger);
        _metrics = _options.MeterFactory is { } meters ? new NodeMetrics(meters, this) : null;
        _persisted = _options.StateStore is { } store ? new MainlineState(store, _time, _options.PeerTimeToLive, _items.Options.ItemLifetime) : null;
        _providing = new KeepProviding(this, _time, _persisted, _options.MaxKeptItems, _logger, _shutdown.Token);
    }

    /// <summary>Our node id (it may change once, at start, to match our external address per BEP 42).</summary>
    public NodeId Id => _context?.Id ?? _initialId;

    /// <summary>The endpoints the node is bound to (empty before <see cref="StartAsync"/>).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _transport?.LocalEndPoints ?? [];

    /// <summary>Our public address as several other nodes report it (BEP 42), or null while unknown.</summary>
    public IPAddress? ExternalAddress => _voter.ExternalAddress;

    /// <summary>The options the node runs with.</summary>
    public DhtOptions Options => _options;

    /// <summary>Number of nodes in the routing tables (IPv4 and IPv6).</summary>
    public int RoutingTableSize => _context?.Tables.Count ?? 0;

    /// <summary>Queries left unanswered because their sender was over <see cref="DhtOptions.MaxQueriesPerSecondPerAddress"/>.</summary>
    public long QueriesRateLimited => _queryLimiter.Refused;

    /// <summary>
    /// The Ed25519 key pair that signs the items of the string-key operations
    /// (<see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>,
    /// <see cref="GetAsync(string, CancellationToken)"/>): <see cref="DhtOptions.IdentityKey"/>, or a
    /// key generated for this node when that is null. Save it (<see cref="Ed25519KeyPair.Save"/>) and
    /// pass it back in the options to keep publishing under the same keys after a restart.
    /// </summary>
    public Ed25519KeyPair IdentityKey
    {
        get
        {
            if (Volatile.Read(ref _identityKey) is { } key)
            {
                return key;
            }

            var created = _options.IdentityKey ?? Ed25519KeyPair.Generate();
            return Interlocked.CompareExchange(ref _identityKey, created, null) ?? created;
        }
    }

    /// <summary>The KRPC dispatcher and its counters, for tests and diagnostics (null before start).</summary>
    internal KrpcDispatcher? Dispatcher => _context?.Requests.Dispatcher;

    internal DualStackTables? Tables => _context?.Tables;

    internal PeerStore Peers => _peers;

    internal ItemStore Items => _items;

    /// <summary>A node was added to a routing table.</summary>
    public event EventHandler<NodeAddedEventArgs>? NodeAdded
    {
        add => _events.NodeAdded += value;
        remove => _events.NodeAdded -= value;
    }

    /// <summary>A lookup found a peer for an infohash.</summary>
    public event EventHandler<PeerFoundEventArgs>? PeerFound
    {
        add => _events.PeerFound += value;
        remove => _events.PeerFound -= value;
    }

    /// <summary>Another node announced a peer to us.</summary>
    public event EventHandler<AnnounceReceivedEventArgs>? AnnounceReceived
    {
        add => _events.AnnounceReceived += value;
        remove => _events.AnnounceReceived -= value;
    }

    /// <summary>A problem the node survived: an unresolvable bootstrap host, a failing handler, …</summary>
    public event EventHandler<DhtWarningEventArgs>? Warning
    {
        add => _events.Warning += value;
        remove => _events.Warning -= value;
    }

    /// <summary>A lookup finished.</summary>
    public event EventHandler<LookupCompletedEventArgs>? LookupCompleted
    {
        add => _events.LookupCompleted += value;
        remove => _events.LookupCompleted -= value;
    }

    /// <summary>The started node's parts; throws before <see cref="StartAsync"/> and after disposal.</summary>
    private NodeContext Context
    {
        get
        {
            ObjectDisposedException.ThrowIf(_state == 2, this);
            return _context ?? throw new InvalidOperationException("Start the node first (StartAsync).");
        }
    }

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

        await RestoreStateAsync(cancellationToken).ConfigureAwait(false);
        var transport = _transport = _givenTransport ?? CreateUdpTransport();
        var tables = new DualStackTables(
            _initialId,
            transport.LocalEndPoints,
            _time,
            new RoutingTableOptions { BucketSize = _options.K },
            new RoutingUpkeepOptions { MaintenanceInterval = MaintenanceInterval, BootstrapWhenEmpty = false, Lookup = _options.LookupOptions },
            _options.EnforceNodeIdSecurity,
            _logger);
        var serving = new Serving(tables, _peers, _items, _tokens, _queryLimiter, _events, _options);
        var dispatcher = new KrpcDispatcher(
            transport,
            serving,
            _time,
            new KrpcDispatcherOptions { MaxPendingQueries = _options.MaxPendingQueries, ReadOnly = _options.ReadOnly },
            _options.LoggerFactory?.CreateLogger<KrpcDispatcher>(),
            _options.MeterFactory);
        var requests = new Requests(dispatcher, tables, _events, _options);
        var lookups = new Lookups(tables, requests, _options, _events, _metrics, _shutdown.Token);
        var upkeep = _upkeep = new NodeUpkeep(tables, requests, lookups, _voter, _options, _logger, _shutdown.Token);
        requests.ExternalAddressReported += upkeep.OnExternalAddressReported;
        dispatcher.NodeSeen += seen => OnNodeSeen(seen, tables);
        dispatcher.Start();
        Log.Listening(_logger, tables.Id, string.Join(", ", transport.LocalEndPoints));

        List<IPEndPoint> bootstrapExtra;
        lock (_lock)
        {
            _context = new NodeContext
            {
                Options = _options,
                Tables = tables,
                Requests = requests,
                Lookups = lookups,
                Peers = _peers,
                Items = _items,
                RecentTokens = _recentTokens,
                Events = _events,
                LocalEndPoints = transport.LocalEndPoints,
                Shutdown = _shutdown.Token,
            };
            tables.Import(_pendingImport.Where(n => n.Id != NodeId.Zero));
            bootstrapExtra = [.. _pendingImport.Where(n => n.Id == NodeId.Zero).Select(n => n.EndPoint)];
            _pendingImport.Clear();
        }

        AttachState(tables);
        _maintenance = _time.CreateTimer(static state => ((DhtNode)state!).RunMaintenance(), this, MaintenanceInterval, MaintenanceInterval);
        tables.Start(requests, _events.OnNodeAdded, lookups.Completed);
        await upkeep.BootstrapAsync(bootstrapExtra, cancellationToken).ConfigureAwait(false);

        // After bootstrap, so the first announces find the closest nodes rather than an empty table.
        _providing.Start();
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
        _providing.Dispose();

        // Closed first, so the flush that saves the state takes their last changes and lets them go.
        _persisted?.Dispose();
        await SaveStateAsync().ConfigureAwait(false);
        _context?.Tables.Dispose();
        _context?.Requests.Dispatcher.Dispose();
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

    /// <summary>
    /// Adds a node we know of (for example from a saved table, as bittorrent-dht's addNode). It is
    /// pinged and enters the routing table when it answers. Before start, it is used at bootstrap.
    /// </summary>
    public void AddNode(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        CheckPort(endPoint.Port, nameof(endPoint));
        NodeContext? context;
        lock (_lock)
        {
            context = _context;
            if (context is null)
            {
                _pendingImport.Add(new NodeInfo(NodeId.Zero, endPoint));
                return;
            }
        }

        context.Requests.PingAsync(endPoint, _shutdown.Token).Observe(_logger, "ping of an added node");
    }

    /// <summary>Adds nodes with known ids, such as a saved routing table; they are verified before they are trusted.</summary>
    public int ImportNodes(IEnumerable<NodeInfo> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var list = nodes.ToList();
        foreach (var node in list)
        {
            ArgumentNullException.ThrowIfNull(node.EndPoint, nameof(nodes));
            CheckPort(node.EndPoint.Port, nameof(nodes));
        }

        NodeContext? context;
        lock (_lock)
        {
            context = _context;
            if (context is null)
            {
                _pendingImport.AddRange(list);
                return list.Count;
            }
        }

        return context.Tables.Import(list);
    }

    /// <summary>Removes a node from the routing tables; returns whether it was there.</summary>
    public bool RemoveNode(NodeId id) => _context?.Tables.Remove(id) ?? false;

    /// <summary>A snapshot of the routing tables: every node we would use, good ones first (bittorrent-dht's toJSON().nodes).</summary>
    public IReadOnlyList<NodeInfo> ExportNodes() => _context?.Tables.Export() ?? [];

    /// <summary>Per-bucket detail of the routing tables (for dashboards and diagnostics).</summary>
    public IReadOnlyList<BucketInfo<NodeId, NodeInfo>> GetBuckets(AddressFamily family = AddressFamily.InterNetwork)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "A routing table is for InterNetwork (IPv4) or InterNetworkV6.");
        }

        return _context?.Tables.ForFamily(family)?.Buckets ?? [];
    }

    /// <summary>Sends a ping and returns the answering node, or null when it did not answer.</summary>
    public Task<NodeInfo?> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        // Bad arguments throw here, at the call, not from the returned task.
        ArgumentNullException.ThrowIfNull(endPoint);
        CheckPort(endPoint.Port, nameof(endPoint));
        return PingCoreAsync(endPoint, cancellationToken);
    }

    /// <summary>
    /// The K nodes closest to <paramref name="key"/> that answered (IPFS dht.query), closest first.
    /// A dual-stack node runs one lookup per address family, so each node may be listed once per
    /// family, at each of its addresses.
    /// </summary>
    public async Task<QueryResult> QueryAsync(NodeId key, CancellationToken cancellationToken = default) =>
        await QueryOperation.RunAsync(Context, key, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The endpoint of the node whose id is <paramref name="nodeId"/>, or null when no node on the
    /// way knows it (IPFS dht.findPeer).
    /// </summary>
    public async Task<IPEndPoint?> FindPeerAsync(NodeId nodeId, CancellationToken cancellationToken = default) =>
        await FindPeerOperation.RunAsync(Context, nodeId, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Peers that announced <paramref name="infoHash"/>, streamed as lookups find them, without
    /// repeats, ending after <paramref name="maxProviders"/> peers, after <paramref name="timeout"/>
    /// (if given) or when the lookup is done (IPFS dht.findProvs; bittorrent-dht lookup). Peers we
    /// store ourselves come first.
    /// </summary>
    public IAsyncEnumerable<IPEndPoint> FindProvidersAsync(
        NodeId infoHash,
        int maxProviders = 100,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        // Checked here, not in the iterator, so that a bad argument throws at the call.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProviders, 1);
        if (timeout is { } t)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero, nameof(timeout));
        }

        return FindProvidersOperation.RunAsync(Context, infoHash, maxProviders, timeout, cancellationToken);
    }

    /// <summary>
    /// Announces that we have <paramref name="infoHash"/> on <paramref name="port"/> (or, when null,
    /// on the port our packets come from: BEP 5 implied_port) to the K closest nodes, reusing the
    /// tokens of a recent lookup of the same infohash (IPFS dht.provide; bittorrent-dht announce).
    /// </summary>
    public Task<ProvideResult> ProvideAsync(NodeId infoHash, int? port = null, CancellationToken cancellationToken = default) =>
        ProvideAsync(infoHash, port, seed: false, cancellationToken);

    /// <summary>
    /// As <see cref="ProvideAsync(NodeId, int?, CancellationToken)"/>, saying whether we are a seed
    /// (BEP 33 <c>seed</c>), so that scrapes count us among the seeds or the downloaders.
    /// </summary>
    public Task<ProvideResult> ProvideAsync(NodeId infoHash, int? port, bool seed, CancellationToken cancellationToken = default)
    {
        // Bad arguments throw here, at the call, not from the returned task.
        if (port is { } p)
        {
            CheckPort(p, nameof(port));
        }

        return ProvideOperation.RunAsync(Context, infoHash, port, seed, cancellationToken);
    }

    /// <summary>Announces many infohashes (a few at a time); see <see cref="ProvideAsync(NodeId, int?, CancellationToken)"/>.</summary>
    public async Task<IReadOnlyList<ProvideResult>> ProvideAsync(IEnumerable<NodeId> infoHashes, int? port = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(infoHashes);
        if (port is { } p)
        {
            CheckPort(p, nameof(port));
        }

        var results = new List<ProvideResult>();
        foreach (var batch in infoHashes.Chunk(4))
        {
            results.AddRange(await Task.WhenAll(batch.Select(h => ProvideAsync(h, port, cancellationToken))).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>
    /// Scrapes <paramref name="infoHash"/> (BEP 33): a get_peers lookup with <c>scrape=1</c> that ORs
    /// together the BFsd (seeds) and BFpe (downloaders) bloom filters of every node that replies
    /// with them, and of our own store, then estimates how many distinct addresses each union holds.
    /// The estimate is good up to a few thousand peers; nodes that do not support BEP 33 just add nothing.
    /// The write tokens are kept, so a <see cref="ProvideAsync(NodeId, int?, bool, CancellationToken)"/>
    /// right after needs no second lookup.
    /// </summary>
    public async Task<ScrapeResult> ScrapeAsync(NodeId infoHash, CancellationToken cancellationToken = default) =>
        await ScrapeOperation.RunAsync(Context, infoHash, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads the BEP 44 item stored under <paramref name="target"/>. Our own store is checked first;
    /// then a get lookup asks the nodes toward the target. An immutable value counts only if its
    /// SHA-1 is the target (the lookup stops at the first such value); a mutable item counts only if
    /// SHA-1(k + <paramref name="salt"/>) is the target and its signature verifies, and the one with
    /// the highest seq wins. Replies that fail these checks are ignored (see <see cref="DhtItemResult.Rejected"/>).
    /// Returns null when no item verified.
    /// </summary>
    /// <param name="target">SHA-1 of the immutable value, or of the public key and salt of a mutable item.</param>
    /// <param name="salt">The salt of a mutable item (up to 64 bytes; empty for none). It is not sent: it only checks the target.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    public async Task<DhtItemResult?> GetAsync(NodeId target, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default)
    {
        ItemRules.CheckSalt(salt.Span, nameof(salt));
        return await GetOperation.RunAsync(Context, target, salt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the item another node published with <see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>:
    /// the mutable item of <paramref name="publicKey"/> salted with the UTF-8 bytes of <paramref name="key"/>.
    /// </summary>
    public Task<DhtItemResult?> GetAsync(ReadOnlyMemory<byte> publicKey, string key, CancellationToken cancellationToken = default)
    {
        if (publicKey.Length != ItemRules.PublicKeySize)
        {
            throw new ArgumentException($"A BEP 44 public key is {ItemRules.PublicKeySize} bytes, got {publicKey.Length}.", nameof(publicKey));
        }

        byte[] salt = ItemRules.KeySalt(key, nameof(key));
        return GetAsync(ItemRules.MutableTarget(publicKey.Span, salt), salt, cancellationToken);
    }

    /// <summary>
    /// IPFS-style get: reads the value this node stored under <paramref name="key"/> with
    /// <see cref="PutAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>. The key maps to the
    /// BEP 44 mutable item signed by <see cref="IdentityKey"/> with salt = UTF-8 of the key
    /// (at most 64 bytes), so its target is SHA-1(public key + UTF-8 key).
    /// </summary>
    public Task<DhtItemResult?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        GetAsync(IdentityKey.PublicKey, key, cancellationToken);

    /// <summary>
    /// Stores an immutable BEP 44 item: <paramref name="bencodedValue"/> (one canonical bencoded
    /// value of at most 1000 bytes) goes to the K nodes closest to its SHA-1 that gave us a write
    /// token during a get lookup, preferring nodes whose ids match their addresses (BEP 42). Our own
    /// store keeps it too. Items expire after about two hours: keep it with <see cref="StartPutting(ReadOnlyMemory{byte})"/>, which puts it again hourly.
    /// </summary>
    public async Task<PutResult> PutAsync(ReadOnlyMemory<byte> bencodedValue, CancellationToken cancellationToken = default)
    {
        byte[] value = ItemRules.CheckCanonicalValue(bencodedValue, nameof(bencodedValue));
        return await PutOperation.PutImmutableAsync(Context, value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a mutable BEP 44 item signed by <paramref name="keyPair"/> under SHA-1(public key +
    /// <paramref name="salt"/>). With <paramref name="sequence"/> null, the get lookup reads the
    /// current seq from the network (the highest that verifies) and the next one is used (0 when the
    /// item is new). <paramref name="cas"/> asks nodes to store only if their seq equals it. Nodes
    /// that refuse are counted in <see cref="PutResult.Errors"/>; when no node accepted and every
    /// refusal was 302 (a newer seq is stored) or 301 (cas mismatch), throws <see cref="DhtPutException"/>.
    /// </summary>
    /// <param name="keyPair">The signing key; its public key is the item's <c>k</c>.</param>
    /// <param name="bencodedValue">One canonical bencoded value of at most 1000 bytes.</param>
    /// <param name="salt">Up to 64 bytes that tell apart several items of one key; empty for none.</param>
    /// <param name="sequence">The seq to put, or null for the network's current one plus one.</param>
    /// <param name="cas">BEP 44 compare-and-swap: the seq this put expects to replace, or null.</param>
    /// <param name="cancellationToken">Cancels the lookup and the puts.</param>
    public async Task<PutResult> PutAsync(
        Ed25519KeyPair keyPair,
        ReadOnlyMemory<byte> bencodedValue,
        ReadOnlyMemory<byte> salt = default,
        long? sequence = null,
        long? cas = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        byte[] value = ItemRules.CheckCanonicalValue(bencodedValue, nameof(bencodedValue));
        ItemRules.CheckSalt(salt.Span, nameof(salt));
        return await PutOperation.PutMutableAsync(Context, keyPair, value, salt, sequence, cas, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// IPFS-style put: stores <paramref name="bencodedValue"/> under <paramref name="key"/> as the
    /// BEP 44 mutable item signed by <see cref="IdentityKey"/> with salt = UTF-8 of the key (at most
    /// 64 bytes), at the next seq. Read it back with <see cref="GetAsync(string, CancellationToken)"/>
    /// here, or with <see cref="GetAsync(ReadOnlyMemory{byte}, string, CancellationToken)"/> and our
    /// public key elsewhere.
    /// </summary>
    public Task<PutResult> PutAsync(string key, ReadOnlyMemory<byte> bencodedValue, CancellationToken cancellationToken = default)
    {
        byte[] salt = ItemRules.KeySalt(key, nameof(key));
        return PutAsync(IdentityKey, bencodedValue, salt, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Puts an already signed mutable item unchanged (no key needed): to keep it alive, or to
    /// republish an item read from the network (<see cref="DhtItemResult.ToMutableItem"/>).
    /// Throws <see cref="ArgumentException"/> when its signature does not verify, and
    /// <see cref="DhtPutException"/> as <see cref="PutAsync(Ed25519KeyPair, ReadOnlyMemory{byte}, ReadOnlyMemory{byte}, long?, long?, CancellationToken)"/> does.
    /// </summary>
    public async Task<PutResult> PutSignedAsync(MutableItem item, long? cas = null, CancellationToken cancellationToken = default)
    {
        ItemRules.CheckSignedItem(item, nameof(item));
        return await PutOperation.PutSignedAsync(Context, item, cas, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one BEP 51 sample_infohashes query to <paramref name="endPoint"/>. Returns its sample,
    /// its infohash count, the interval before its sample changes and the nodes it knows near
    /// <paramref name="target"/>; null when it did not answer or does not support BEP 51.
    /// </summary>
    public Task<SampleResult?> SampleInfohashesAsync(IPEndPoint endPoint, NodeId target, CancellationToken cancellationToken = default)
    {
        // Bad arguments throw here, at the call, not from the returned task.
        ArgumentNullException.ThrowIfNull(endPoint);
        CheckPort(endPoint.Port, nameof(endPoint));
        return SampleOperation.SampleAsync(Context, endPoint, target, cancellationToken);
    }

    /// <summary>
    /// Walks the key space as a DHT indexer does (BEP 51) and streams every distinct infohash found:
    /// starts from our routing table, sends sample_infohashes with a fresh random target to each
    /// node (<see cref="DhtOptions.Alpha"/> at a time), and follows the nodes each reply names, so
    /// the walk spreads over the whole key space. Each node is asked once — its interval says its
    /// sample will not change sooner — and the walk ends after <paramref name="maxNodes"/> nodes
    /// were asked or when no node is left to ask. Memory is bounded: at most
    /// <see cref="MaxRememberedInfohashes"/> infohashes are remembered to drop repeats (past that,
    /// new ones are still streamed but may repeat), and the queue of nodes to ask is capped.
    /// </summary>
    public IAsyncEnumerable<NodeId> EnumerateInfohashesAsync(int maxNodes = 100, CancellationToken cancellationToken = default)
    {
        // Checked here, not in the iterator, so that a bad argument throws at the call.
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxNodes, MaxSampledNodes);
        return SampleOperation.EnumerateAsync(Context, maxNodes, cancellationToken);
    }

    private static void CheckPort(int port, string argument)
    {
        if (port is < 1 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"{argument}: port must be 1..65535, got {port}.", argument);
        }
    }

    // Every valid query a node sends us reaches its routing table here; answers to our own queries
    // reach it from the request layer (Requests), once per request.
    private static void OnNodeSeen(KrpcNodeSeen seen, DualStackTables tables)
    {
        // BEP 43: a read-only node is served but never added.
        if (!seen.IsResponse && !seen.ReadOnly)
        {
            tables.ReportQuery(new NodeInfo(seen.Id, seen.EndPoint));
        }
    }

    private async Task<NodeInfo?> PingCoreAsync(IPEndPoint endPoint, CancellationToken cancellationToken) =>
        await Context.Requests.PingAsync(endPoint, cancellationToken).ConfigureAwait(false);

    private UdpTransport CreateUdpTransport()
    {
        var endPoints = new List<IPEndPoint>();
        foreach (var address in _options.BindAddresses)
        {
            endPoints.Add(new IPEndPoint(address, _options.Port));
        }

        return new UdpTransport(endPoints, _options.LoggerFactory?.CreateLogger<UdpTransport>());
    }

    private void RunMaintenance()
    {
        if (_state != 1 || _upkeep is not { } upkeep)
        {
            return;
        }

        _peers.Purge();
        _items.Purge();
        _recentTokens.Purge();
        upkeep.Maintain();
        _persisted?.Snapshot(Id, ExportNodes());
    }
}
