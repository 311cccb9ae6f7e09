using DhtNet.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Kademlia;

/// <summary>
/// Keeps one <see cref="RoutingTable{TKey, TContact}"/> alive: the one funnel through which every
/// answered and failed request reaches it (<see cref="Report"/>, and <see cref="ReportQuery"/> for
/// nodes that query us), pinging the questionable node a full bucket names before it may be evicted,
/// announcing replacements that take a dead node's slot, bootstrap, and on a timer the refresh of
/// buckets unchanged for the freshness interval (or a new bootstrap once the table has emptied).
/// </summary>
/// <remarks>
/// It talks to the network only through <see cref="IRoutingNetwork{TKey, TContact}"/>, and to the
/// clock only through the <see cref="TimeProvider"/>, so it runs the same on sockets and on a
/// virtual clock. Fire-and-forget pings and lookups observe their exceptions.
/// </remarks>
public sealed class RoutingUpkeep<TKey, TContact> : IDisposable
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    private readonly RoutingTable<TKey, TContact> _table;
    private readonly IRoutingNetwork<TKey, TContact> _network;
    private readonly TimeProvider _time;
    private readonly RoutingUpkeepOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private Task<LookupResult<TContact>>? _bootstrap; // the bootstrap in progress, so that two never overlap
    private bool _disposed;

    public RoutingUpkeep(
        RoutingTable<TKey, TContact> table,
        IRoutingNetwork<TKey, TContact> network,
        TimeProvider time,
        RoutingUpkeepOptions? options = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(time);
        _options = options ?? new RoutingUpkeepOptions();
        _options.Validate();
        _table = table;
        _network = network;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The table this keeps.</summary>
    public RoutingTable<TKey, TContact> Table => _table;

    /// <summary>A node took a slot in a bucket: newly added, or promoted from a replacement cache over a dead one.</summary>
    public event Action<TContact>? NodeAdded;

    /// <summary>A bootstrap or refresh lookup finished: "bootstrap" or "refresh", its target and its cost.</summary>
    public event Action<string, TKey, LookupStatistics>? LookupCompleted;

    /// <summary>
    /// The funnel for every request we sent: the request layer calls this once per request, with the
    /// contact it asked (key as it answered for <see cref="RequestStatus.Answered"/>, key as we knew
    /// it for <see cref="RequestStatus.TimedOut"/>).
    /// </summary>
    public void Report(TContact contact, RequestOutcome outcome) => Apply(_table.Report(contact, outcome));

    /// <summary>A node sent us a query (not one that asked to stay out of tables, as BEP 43 <c>ro=1</c>).</summary>
    public void ReportQuery(TContact contact)
    {
        var result = _table.AddOrUpdate(contact, NodeContact.Queried);
        Apply(new RoutingChange<TContact>(result.IsAdded, result.IsAdded ? contact : default, result.HasPingCandidate, result.PingCandidate));
    }

    /// <summary>Starts the maintenance timer. Call once.</summary>
    public void Start()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_timer is not null)
            {
                throw new InvalidOperationException("The upkeep is already started.");
            }

            _timer = _time.CreateTimer(static state => ((RoutingUpkeep<TKey, TContact>)state!).RunMaintenance(), this,
                _options.MaintenanceInterval, _options.MaintenanceInterval);
        }
    }

    /// <summary>
    /// Looks up our own key, starting from <paramref name="seeds"/> (or, when null, from
    /// <see cref="IRoutingNetwork{TKey, TContact}.GetBootstrapContactsAsync"/>) and the table: the
    /// answers fill the table through the funnel. While one bootstrap runs, another call joins it.
    /// </summary>
    public Task<LookupResult<TContact>> BootstrapAsync(IReadOnlyList<TContact>? seeds = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_bootstrap is { IsCompleted: false } running)
            {
                return running;
            }

            return _bootstrap = BootstrapCoreAsync(seeds, cancellationToken);
        }
    }

    /// <summary>Refreshes every bucket unchanged for the freshness interval with a lookup of a random key inside it.</summary>
    public async Task RefreshStaleBucketsAsync(CancellationToken cancellationToken = default)
    {
        var stale = _table.GetBucketsToRefresh();
        if (stale.Count == 0)
        {
            return;
        }

        Log.Refreshing(_logger, stale.Count);
        var work = new Task[stale.Count];
        for (int i = 0; i < work.Length; i++)
        {
            // Marked when the lookup starts, so a slow lookup does not start again at the next tick.
            _table.MarkRefreshed(stale[i].Target);
            work[i] = LookupAsync("refresh", stale[i].Target, [], cancellationToken);
        }

        await Task.WhenAll(work).ConfigureAwait(false);
    }

    /// <summary>
    /// One find-node lookup over this table: seeded with the table's closest nodes and
    /// <paramref name="seeds"/>, never querying our own key.
    /// </summary>
    public Task<LookupResult<TContact>> FindNodeAsync(TKey target, IReadOnlyList<TContact> seeds, CancellationToken cancellationToken = default) =>
        LookupAsync(null, target, seeds, cancellationToken);

    /// <summary>Stops the timer and abandons the lookups and pings this started.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _timer?.Dispose();
        }

        // Not disposed: late replies may still read its token, which is cancelled for good.
        _stopping.Cancel();
    }

    private async Task<LookupResult<TContact>> BootstrapCoreAsync(IReadOnlyList<TContact>? seeds, CancellationToken cancellationToken)
    {
        seeds ??= await _network.GetBootstrapContactsAsync(cancellationToken).ConfigureAwait(false);
        var result = await LookupAsync("bootstrap", _table.LocalId, seeds, cancellationToken).ConfigureAwait(false);
        Log.Bootstrapped(_logger, _table.Count, result.Statistics.Queried, result.Statistics.Answered);
        return result;
    }

    private async Task<LookupResult<TContact>> LookupAsync(string? operation, TKey target, IReadOnlyList<TContact> seeds, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, StoppingToken);
        var lookup = new IterativeLookup<TKey, TContact>(
            target, _network.FindNode(target), _options.Lookup, _time, _table.LocalId, accept: _network.CanQuery);
        lookup.AddCandidates(_table.FindClosest(target, _options.Lookup.K * _options.SeedFactor));
        lookup.AddCandidates(seeds);
        var result = await lookup.RunAsync(linked.Token).ConfigureAwait(false);
        if (operation is not null)
        {
            Raise(LookupCompleted, operation, target, result.Statistics);
        }

        return result;
    }

    private CancellationToken StoppingToken
    {
        get
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _stopping.Token;
            }
        }
    }

    private void RunMaintenance()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
        }

        if (_table.Count == 0 && _options.BootstrapWhenEmpty)
        {
            // Every node was lost (or none ever answered): start over from the bootstrap nodes.
            Log.Rebootstrapping(_logger);
            BootstrapAsync(null, _stopping.Token).Observe(_logger, "bootstrap again");
        }
        else if (_table.Count > 0)
        {
            RefreshStaleBucketsAsync(_stopping.Token).Observe(_logger, "bucket refresh");
        }
    }

    private void Apply(RoutingChange<TContact> change)
    {
        if (change.HasNewNode && NodeAdded is { } added)
        {
            try
            {
                added(change.NewNode!);
            }
            catch (Exception e)
            {
                Log.HandlerFailed(_logger, nameof(NodeAdded), e);
            }
        }

        if (change.HasPingCandidate)
        {
            // A questionable node is pinged before it may be evicted for a newcomer; its answer or
            // timeout comes back through the funnel.
            Task ping;
            try
            {
                ping = _network.PingAsync(change.PingCandidate!, _stopping.Token);
            }
            catch (Exception e)
            {
                // The report came from the request layer's completion path: a throwing ping must not break it.
                ping = Task.FromException(e);
            }

            ping.Observe(_logger, "ping of a questionable node");
        }
    }

    private void Raise(Action<string, TKey, LookupStatistics>? handler, string operation, TKey target, LookupStatistics statistics)
    {
        try
        {
            handler?.Invoke(operation, target, statistics);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, nameof(LookupCompleted), e);
        }
    }
}
