using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DhtNet.Lookup;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;
using DhtNet.Routing;

namespace DhtNet.Mainline;

// The IPFS-style operations, all built on one iterative lookup per address family.
public sealed partial class DhtNode
{
    /// <summary>
    /// The K nodes closest to <paramref name="key"/> that answered (IPFS dht.query), closest first.
    /// A dual-stack node runs one lookup per address family, so each node may be listed once per
    /// family, at each of its addresses.
    /// </summary>
    public async Task<QueryResult> QueryAsync(NodeId key, CancellationToken cancellationToken = default)
    {
        var result = await RunLookupsAsync("query", key, FindNodeRequest(key), [], cancellationToken).ConfigureAwait(false);
        return new QueryResult(result.ClosestNodes, result.Statistics);
    }

    /// <summary>
    /// The endpoint of the node whose id is <paramref name="nodeId"/>, or null when no node on the
    /// way knows it (IPFS dht.findPeer).
    /// </summary>
    public async Task<IPEndPoint?> FindPeerAsync(NodeId nodeId, CancellationToken cancellationToken = default)
    {
        foreach (var table in Tables)
        {
            if (table.FindClosest(nodeId, 1) is [var known] && known.Id == nodeId)
            {
                return known.EndPoint;
            }
        }

        IPEndPoint? found = null;
        var lookups = new List<IterativeLookup>();
        var inner = FindNodeRequest(nodeId);
        LookupRequest request = async (node, ct) =>
        {
            var reply = await inner(node, ct).ConfigureAwait(false);
            var match = node.Id == nodeId && reply.Answered ? node : reply.Nodes.FirstOrDefault(n => n.Id == nodeId);
            if (match.EndPoint is not null && Interlocked.CompareExchange(ref found, match.EndPoint, null) is null)
            {
                StopAll(lookups, afterReply: true);
            }

            return reply;
        };

        await RunLookupsAsync("findpeer", nodeId, request, [], cancellationToken, lookups).ConfigureAwait(false);
        return found;
    }

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

        _ = Dispatcher;
        return FindProvidersCoreAsync(infoHash, maxProviders, timeout, cancellationToken);
    }

    private async IAsyncEnumerable<IPEndPoint> FindProvidersCoreAsync(
        NodeId infoHash,
        int maxProviders,
        TimeSpan? timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Synchronous continuations: the reader sees a peer at the virtual instant it was found, not
        // whenever the thread pool gets to it (which would let a simulated clock run ahead).
        var found = Channel.CreateUnbounded<IPEndPoint>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        var seen = new HashSet<IPEndPoint>();
        var lookups = new List<IterativeLookup>();

        // Offers a peer; returns false once enough were found.
        bool Offer(IPEndPoint peer, IPEndPoint from)
        {
            bool wantMore;
            lock (seen)
            {
                if (seen.Count >= maxProviders)
                {
                    return false;
                }

                if (!seen.Add(peer))
                {
                    return true;
                }

                wantMore = seen.Count < maxProviders;
            }

            // Outside the lock: the reader's code may run inline here, and so do event handlers.
            found.Writer.TryWrite(peer);
            Raise(PeerFound, new PeerFoundEventArgs(infoHash, peer, from), nameof(PeerFound));
            return wantMore;
        }

        foreach (var stored in _peers.GetPeers(infoHash, maxProviders))
        {
            Offer(stored.ToEndPoint(), LocalEndPoints.FirstOrDefault() ?? new IPEndPoint(IPAddress.Loopback, 0));
        }

        // The timeout stops the lookups rather than cancelling them, so they end with what they
        // found and report their cost like any finished lookup.
        using var timeoutSource = timeout is { } limit ? new CancellationTokenSource(limit, _time) : new CancellationTokenSource();
        using var stopAtTimeout = timeoutSource.Token.Register(static state => StopAll((List<IterativeLookup>)state!), lookups);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var tokens = new ConcurrentDictionary<NodeId, NodeToken>();
        LookupRequest request = async (node, ct) =>
        {
            var response = await GetPeersAsync(new GetPeersQuery(_id, infoHash), node, tokens, ct).ConfigureAwait(false);
            if (response is null)
            {
                return LookupReply.NoAnswer;
            }

            foreach (var peer in response.Values)
            {
                if (!Offer(peer, node.EndPoint))
                {
                    StopAll(lookups, afterReply: true);
                    break;
                }
            }

            return NodesReply(node, response.Nodes, response.Nodes6);
        };

        var run = RunLookupsAsync("findprovs", infoHash, request, [], linked.Token, lookups, NodeIdSecurity.IsAcceptable);
        if (timeoutSource.IsCancellationRequested)
        {
            StopAll(lookups); // the timeout fired while the lookups were being created
        }
        _ = run.ContinueWith(
            static (task, state) =>
            {
                var (writer, recent, infoHash, tokens, count) = ((ChannelWriter<IPEndPoint>, RecentTokens, NodeId, ConcurrentDictionary<NodeId, NodeToken>, int))state!;
                if (task.IsCompletedSuccessfully)
                {
                    recent.Remember(infoHash, NearestHolders(infoHash, tokens, count), tokens);
                }

                writer.TryComplete();
            },
            (found.Writer, _recentTokens, infoHash, tokens, StorageCandidates),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

        // The timeout ends the stream quietly; the caller's cancellation is an exception.
        try
        {
            await foreach (var peer in found.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return peer;
            }
        }
        finally
        {
            // A caller that stops reading early (took the first provider, say) ends the lookups too.
            StopAll(lookups);
        }
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

        _ = Dispatcher;
        return ProvideCoreAsync(infoHash, port, seed, cancellationToken);
    }

    private async Task<ProvideResult> ProvideCoreAsync(NodeId infoHash, int? port, bool seed, CancellationToken cancellationToken)
    {
        LookupStatistics statistics = default;
        if (!_recentTokens.TryGet(infoHash, out var holders))
        {
            var tokens = new ConcurrentDictionary<NodeId, NodeToken>();
            LookupRequest request = async (node, ct) =>
                await GetPeersAsync(new GetPeersQuery(_id, infoHash), node, tokens, ct).ConfigureAwait(false) is { } response
                    ? NodesReply(node, response.Nodes, response.Nodes6)
                    : LookupReply.NoAnswer;
            var result = await RunLookupsAsync("provide", infoHash, request, [], cancellationToken, prefer: NodeIdSecurity.IsAcceptable).ConfigureAwait(false);
            statistics = result.Statistics;
            holders = _recentTokens.Remember(infoHash, NearestHolders(infoHash, tokens, StorageCandidates), tokens);
        }

        var announces = new List<Task<bool>>();
        foreach (var holder in ChooseStorageNodes(infoHash, holders))
        {
            int ourPort = LocalEndPoints.FirstOrDefault(e => CompactEncoding.Family(e) == CompactEncoding.Family(holder.Node.EndPoint))?.Port ?? 0;
            var query = new AnnouncePeerQuery(_id, infoHash, port ?? Math.Max(ourPort, 1), holder.Token) { ImpliedPort = port is null, Seed = seed };
            announces.Add(SucceedsAsync(query, holder.Node, cancellationToken));
        }

        bool[] accepted = await Task.WhenAll(announces).ConfigureAwait(false);
        return new ProvideResult(infoHash, accepted.Count(a => a), statistics);
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

    // BEP 42: storage prefers verified ids, so it chooses among more nodes than the K it stores on.
    private int StorageCandidates => 2 * _options.K;

    // The token holders nearest the target (every node that answered the get_peers lookup holds one).
    private static List<NodeInfo> NearestHolders(NodeId target, ConcurrentDictionary<NodeId, NodeToken> tokens, int count) =>
        tokens.Values.Select(t => t.Node).OrderBy(n => n.Id.Xor(target)).Take(count).ToList();

    // BEP 42: storage goes to nodes whose ids match their addresses when there are enough of them.
    private IEnumerable<NodeToken> ChooseStorageNodes(NodeId target, IReadOnlyList<NodeToken> holders)
    {
        var byDistance = holders.OrderBy(h => h.Node.Id.Xor(target)).ToList();
        var secure = byDistance.Where(h => NodeIdSecurity.IsAcceptable(h.Node)).Take(_options.K).ToList();
        return secure.Count == _options.K || secure.Count == byDistance.Count
            ? secure
            : secure.Concat(byDistance.Where(h => !NodeIdSecurity.IsAcceptable(h.Node))).Take(_options.K).OrderBy(h => h.Node.Id.Xor(target));
    }

    private async Task<bool> SucceedsAsync(KrpcQuery query, NodeInfo node, CancellationToken cancellationToken)
    {
        var result = await AskAsync(query, node.EndPoint, cancellationToken).ConfigureAwait(false);
        if (result.Status == KrpcResultStatus.Timeout)
        {
            RecordFailure(node);
        }

        return result.IsResponse;
    }

    private LookupRequest FindNodeRequest(NodeId target) => async (node, ct) =>
        await AskNodeAsync<FindNodeResponse>(new FindNodeQuery(_id, target), node, ct).ConfigureAwait(false) is { } response
            ? NodesReply(node, response.Nodes, response.Nodes6)
            : LookupReply.NoAnswer;

    /// <summary>
    /// Asks a bootstrap node, whose id we do not know yet, for the nodes closest to <paramref name="target"/>;
    /// its id is learned from its answer and it becomes a candidate like the nodes it names.
    /// </summary>
    private async Task<LookupReply> AskBootstrapNodeAsync(NodeId target, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var result = await AskAsync(new FindNodeQuery(_id, target), endPoint, cancellationToken).ConfigureAwait(false);
        return result.Response is FindNodeResponse response
            ? LookupReply.From([new NodeInfo(response.SenderId, endPoint), .. NodesFor(endPoint, response.Nodes, response.Nodes6)])
            : LookupReply.NoAnswer;
    }

    /// <summary>Sends get_peers (or a BEP 33 scrape) and keeps the write token of the answer.</summary>
    private async Task<GetPeersResponse?> GetPeersAsync(
        GetPeersQuery query, NodeInfo node, ConcurrentDictionary<NodeId, NodeToken> tokens, CancellationToken cancellationToken)
    {
        var response = await AskNodeAsync<GetPeersResponse>(query, node, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            KeepToken(tokens, node, response.Token);
        }

        return response;
    }

    /// <summary>A lookup answer: the nodes of the asked node's address family.</summary>
    private static LookupReply NodesReply(NodeInfo node, NodeInfo[] nodes, NodeInfo[] nodes6) =>
        LookupReply.From(NodesFor(node.EndPoint, nodes, nodes6));

    private static NodeInfo[] NodesFor(IPEndPoint endPoint, NodeInfo[] nodes, NodeInfo[] nodes6) =>
        CompactEncoding.Family(endPoint) == AddressFamily.InterNetwork ? nodes : nodes6;

    /// <summary>
    /// Ends every lookup of an operation. From inside a request (<paramref name="afterReply"/>), each
    /// ends once the answer in hand is counted; from outside (a timeout, a reader that left), at once.
    /// </summary>
    private static void StopAll(List<IterativeLookup> lookups, bool afterReply = false)
    {
        IterativeLookup[] all;
        lock (lookups)
        {
            all = [.. lookups];
        }

        foreach (var lookup in all)
        {
            if (afterReply)
            {
                lookup.StopAfterReply();
            }
            else
            {
                lookup.Stop();
            }
        }
    }

    /// <summary>Runs one lookup per address family at once and merges what they found.</summary>
    private async Task<LookupResult> RunLookupsAsync(
        string operation,
        NodeId target,
        LookupRequest request,
        IReadOnlyList<NodeInfo> seeds,
        CancellationToken cancellationToken,
        List<IterativeLookup>? started = null,
        Func<NodeInfo, bool>? prefer = null)
    {
        _ = Dispatcher;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var runs = new List<Task<LookupResult>>();
        foreach (var table in Tables)
        {
            var familySeeds = seeds.Where(s => CompactEncoding.Family(s.EndPoint) == table.AddressFamily).ToList();
            runs.Add(RunLookupAsync(target, table, request, familySeeds, linked.Token, started, prefer));
        }

        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        var closest = results.SelectMany(r => r.ClosestNodes).OrderBy(n => n.Id.Xor(target)).Take(_options.K * Math.Max(1, results.Length)).ToList();
        var statistics = new LookupStatistics(
            results.Sum(r => r.Statistics.Queried),
            results.Sum(r => r.Statistics.Answered),
            results.Sum(r => r.Statistics.TimedOut),
            results.Length == 0 ? TimeSpan.Zero : results.Max(r => r.Statistics.Elapsed))
        {
            Abandoned = results.Sum(r => r.Statistics.Abandoned),
        };
        Raise(LookupCompleted, new LookupCompletedEventArgs(operation, target, statistics), nameof(LookupCompleted));
        return new LookupResult(closest, statistics);
    }

    private Task<LookupResult> RunLookupAsync(
        NodeId target,
        RoutingTable table,
        LookupRequest request,
        IReadOnlyList<NodeInfo> seeds,
        CancellationToken cancellationToken,
        List<IterativeLookup>? started = null,
        Func<NodeInfo, bool>? prefer = null)
    {
        var options = prefer is null ? _options.LookupOptions : _options.LookupOptions with { Prefer = prefer };
        var lookup = new IterativeLookup(target, request, options, _time, _id);
        lookup.AddCandidates(table.FindClosest(target, _options.K * 2));
        lookup.AddCandidates(seeds);
        if (started is not null)
        {
            lock (started)
            {
                started.Add(lookup);
            }
        }

        return lookup.RunAsync(cancellationToken);
    }
}
