using System.Net.Sockets;
using System.Net;
using DhtNet.Lookup;
using DhtNet.Internal;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using DhtNet.Routing;

namespace DhtNet.Mainline;

// Routing-table upkeep: learning nodes from traffic, pinging questionable ones, refreshing stale
// buckets, BEP 42 identity, bootstrap, and the table's export and restore.
public sealed partial class DhtNode
{
    private readonly List<NodeInfo> _pendingImport = [];
    private volatile bool _bootstrapped;

    /// <summary>
    /// Adds a node we know of (for example from a saved table, as bittorrent-dht's addNode). It is
    /// pinged and enters the routing table when it answers. Before start, it is used at bootstrap.
    /// </summary>
    public void AddNode(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        CheckPort(endPoint.Port, nameof(endPoint));
        if (_dispatcher is null)
        {
            lock (_lock)
            {
                _pendingImport.Add(new NodeInfo(NodeId.Zero, endPoint));
            }

            return;
        }

        PingAsync(endPoint, _shutdown.Token).Observe(_logger, "ping of an added node");
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

        if (_dispatcher is null)
        {
            lock (_lock)
            {
                _pendingImport.AddRange(list);
            }

            return list.Count;
        }

        int imported = 0;
        foreach (var group in list.GroupBy(n => CompactEncoding.Family(n.EndPoint)))
        {
            if (TableFor(group.First().EndPoint) is { } table)
            {
                imported += table.Import(group);
            }
        }

        return imported;
    }

    /// <summary>Removes a node from the routing tables; returns whether it was there.</summary>
    public bool RemoveNode(NodeId id)
    {
        bool removed = false;
        foreach (var table in Tables)
        {
            removed |= table.Remove(id);
        }

        return removed;
    }

    /// <summary>A snapshot of the routing tables: every node we would use, good ones first (bittorrent-dht's toJSON().nodes).</summary>
    public IReadOnlyList<NodeInfo> ExportNodes()
    {
        var nodes = new List<NodeInfo>();
        foreach (var table in Tables)
        {
            nodes.AddRange(table.Export());
        }

        return nodes;
    }

    /// <summary>Per-bucket detail of the routing tables (for dashboards and diagnostics).</summary>
    public IReadOnlyList<BucketInfo> GetBuckets(AddressFamily family = AddressFamily.InterNetwork)
    {
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentOutOfRangeException(nameof(family), family, "A routing table is for InterNetwork (IPv4) or InterNetworkV6.");
        }

        return (family == AddressFamily.InterNetwork ? _table4 : _table6)?.Buckets ?? [];
    }

    /// <summary>Sends a ping and returns the answering node, or null when it did not answer.</summary>
    public Task<NodeInfo?> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        // Bad arguments throw here, at the call, not from the returned task.
        ArgumentNullException.ThrowIfNull(endPoint);
        CheckPort(endPoint.Port, nameof(endPoint));
        return PingCoreAsync(endPoint, cancellationToken);
    }

    private async Task<NodeInfo?> PingCoreAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var result = await AskAsync(new PingQuery(_id), endPoint, cancellationToken)
            .ConfigureAwait(false);
        return result.Response is PingResponse response ? new NodeInfo(response.SenderId, endPoint) : null;
    }

    private void ImportPending()
    {
        List<NodeInfo> pending;
        lock (_lock)
        {
            pending = [.. _pendingImport.Where(n => n.Id != NodeId.Zero)];
        }

        ImportNodes(pending);
    }

    private void OnNodeSeen(KrpcNodeSeen seen)
    {
        // BEP 43: a read-only node is served but never added.
        if (seen.ReadOnly || seen.Id == _id || TableFor(seen.EndPoint) is not { } table)
        {
            return;
        }

        if (seen.IsResponse && seen.Message is KrpcResponse { RequesterEndPoint: { } reported })
        {
            OnExternalAddressReported(seen.EndPoint.Address, reported.Address);
        }

        var result = table.AddOrUpdate(new NodeInfo(seen.Id, seen.EndPoint), seen.IsResponse ? NodeContact.Responded : NodeContact.Queried);
        if (result.Outcome is AddOutcome.Added or AddOutcome.ReplacedBad)
        {
            Log.NodeAdded(_logger, seen.Id, seen.EndPoint);
            Raise(NodeAdded, new NodeAddedEventArgs(new NodeInfo(seen.Id, seen.EndPoint)), nameof(NodeAdded));
        }

        if (result.PingCandidate is { } questionable)
        {
            // A questionable node is pinged before it may be evicted for the newcomer.
            PingQuestionableAsync(questionable).Observe(_logger, "ping of a questionable node");
        }
    }

    private async Task PingQuestionableAsync(NodeInfo node)
    {
        var result = await AskAsync(new PingQuery(_id), node.EndPoint, _shutdown.Token)
            .ConfigureAwait(false);
        if (!result.IsResponse)
        {
            RecordFailure(node);
        }
    }

    private void RecordFailure(NodeInfo node)
    {
        if (TableFor(node.EndPoint)?.RecordFailure(node.Id) is { Promoted: { } promoted })
        {
            Raise(NodeAdded, new NodeAddedEventArgs(promoted), nameof(NodeAdded));
        }
    }

    // BEP 42: once several nodes agree on our external address, take an id that is valid for it,
    // unless the user fixed our id.
    private void OnExternalAddressReported(IPAddress voter, IPAddress reported)
    {
        var before = _voter.ExternalAddress;
        if (!_voter.AddVote(voter, reported) || _options.NodeId is not null)
        {
            return;
        }

        if (_voter.ExternalAddress is not { } external || external.Equals(before) || NodeIdSecurity.IsAcceptable(_id, external))
        {
            return;
        }

        ChangeId(NodeIdSecurity.GenerateId(external));
        Log.IdChanged(_logger, external, _id);
        if (_bootstrapped)
        {
            // After bootstrap nothing else would tell the new id's neighbours about us.
            var id = _id;
            RunLookupsAsync("bootstrap", id, FindNodeRequest(id), [], _shutdown.Token).Observe(_logger, "lookup of our new id");
        }
    }

    private void ChangeId(NodeId id)
    {
        lock (_lock)
        {
            _id = id;
            // Buckets are laid out around our id: rebuild the tables around the new one.
            if (_table4 is { } old4)
            {
                _table4 = CreateTable(AddressFamily.InterNetwork);
                _table4.Import(old4.Export());
            }

            if (_table6 is { } old6)
            {
                _table6 = CreateTable(AddressFamily.InterNetworkV6);
                _table6.Import(old6.Export());
            }
        }
    }

    private async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        var endPoints = new List<IPEndPoint>();
        lock (_lock)
        {
            endPoints.AddRange(_pendingImport.Where(n => n.Id == NodeId.Zero).Select(n => n.EndPoint));
            _pendingImport.Clear();
        }

        foreach (string entry in _options.BootstrapNodes)
        {
            try
            {
                endPoints.AddRange(await HostPort.Parse(entry, nameof(DhtOptions.BootstrapNodes)).ResolveAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (SocketException e)
            {
                RaiseWarning($"bootstrap node {entry} could not be resolved", e);
            }
        }

        // Ask each bootstrap node for our neighbours; its answer puts it and them in reach.
        var asks = new List<Task<LookupReply>>();
        foreach (var endPoint in endPoints.Distinct())
        {
            if (TableFor(endPoint) is not null)
            {
                asks.Add(AskBootstrapNodeAsync(_id, endPoint, cancellationToken));
            }
        }

        var replies = await Task.WhenAll(asks).ConfigureAwait(false);
        var seeds = replies.Where(r => r.Answered).SelectMany(r => r.Nodes).ToList();
        if (asks.Count > 0 && seeds.Count == 0 && RoutingTableSize == 0)
        {
            RaiseWarning($"no bootstrap node answered ({asks.Count} tried)");
        }

        var target = _id;
        var result = await RunLookupsAsync("bootstrap", target, FindNodeRequest(target), seeds, cancellationToken).ConfigureAwait(false);
        // BEP 42: our id may have changed during that lookup; the new id's neighbours must learn of us too.
        if (_id != target)
        {
            target = _id;
            result = await RunLookupsAsync("bootstrap", target, FindNodeRequest(target), [], cancellationToken).ConfigureAwait(false);
        }

        _bootstrapped = true;
        Log.Bootstrapped(_logger, RoutingTableSize, result.Statistics.Queried, result.Statistics.Answered);
    }

    private async Task RefreshStaleBucketsAsync(CancellationToken cancellationToken)
    {
        var work = new List<Task>();
        foreach (var table in Tables)
        {
            var stale = table.GetBucketsToRefresh();
            if (stale.Count > 0)
            {
                Log.Refreshing(_logger, stale.Count);
            }

            foreach (var bucket in stale)
            {
                table.MarkRefreshed(bucket.Target);
                work.Add(RefreshBucketAsync(bucket.Target, table, cancellationToken));
            }
        }

        await Task.WhenAll(work).ConfigureAwait(false);
    }

    private async Task RefreshBucketAsync(NodeId target, RoutingTable table, CancellationToken cancellationToken)
    {
        var result = await RunLookupAsync(target, table, FindNodeRequest(target), [], cancellationToken).ConfigureAwait(false);
        Raise(LookupCompleted, new LookupCompletedEventArgs("refresh", target, result.Statistics), nameof(LookupCompleted));
    }

    private static void CheckPort(int port, string argument)
    {
        if (port is < 1 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"{argument}: port must be 1..65535, got {port}.", argument);
        }
    }
}
