using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DhtNet.Diagnostics;
using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline;

/// <summary>
/// The typed KRPC client: sends a query to one node with retransmission over lossy paths, expects
/// the answer from the node it asked, and reports what came of each request, once, to the routing
/// tables' funnel (<see cref="DualStackTables.Report"/>). It is also the network the core's
/// <see cref="RoutingUpkeep{TKey, TContact}"/> pings and refreshes through.
/// </summary>
internal sealed class Requests(KrpcDispatcher dispatcher, DualStackTables tables, NodeEvents events, DhtOptions options)
    : IRoutingNetwork<NodeId, NodeInfo>
{
    private readonly TimeProvider _time = options.TimeProvider;

    /// <summary>The network's round-trip time and loss as this node's requests measured them.</summary>
    public RequestsTiming Timing { get; } = new(DhtOptions.RoundTripFloor);

    public KrpcDispatcher Dispatcher => dispatcher;

    /// <summary>
    /// A node answered and told us the address our query came from (BEP 42 <c>ip</c>): the
    /// reporter's address, then the address it saw.
    /// </summary>
    public event Action<IPAddress, IPAddress>? ExternalAddressReported;

    /// <summary>
    /// Sends <paramref name="query"/> and waits up to <see cref="DhtOptions.RequestTimeout"/> for
    /// the answer. When <see cref="DhtOptions.QueryAttempts"/> is above one, the query is sent
    /// again (with a fresh transaction id) at even intervals inside that window while no answer has
    /// come, and the first answer to any copy wins: on a lossy path this turns a lost packet into a
    /// short delay instead of a node wrongly taken for dead, and a dead node still costs one timeout.
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="endPoint">Where to send it.</param>
    /// <param name="cancellationToken">Abandons the request.</param>
    /// <param name="known">
    /// The node as we know it, when we do: a timeout then counts against it. An answer counts for the
    /// id that answered, whoever we asked.
    /// </param>
    public Task<KrpcResult> AskAsync(KrpcQuery query, IPEndPoint endPoint, CancellationToken cancellationToken, NodeInfo? known = null) =>
        AskAsync(query, endPoint, known, abandonable: false, cancellationToken);

    // abandonable: a cancelled token ends the request with KrpcResultStatus.Abandoned rather than an
    // OperationCanceledException (see KrpcDispatcher.SendQueryAsync). Otherwise the one exception is
    // thrown here, not at every await between the dispatcher and this method.
    private async Task<KrpcResult> AskAsync(KrpcQuery query, IPEndPoint endPoint, NodeInfo? known, bool abandonable, CancellationToken cancellationToken)
    {
        // A request someone traces is an activity, started as the query goes out and stopped with
        // what came back: a child of its lookup's, or (a ping, an announce) one of its own that names
        // the asking node, so a listener can pick one node's requests. The sampler decides; with no
        // listener nothing is made.
        using var activity = DhtActivity.Source.HasListeners() ? StartActivity(query, endPoint, known) : null;
        var result = await AskCopiesAsync(query, endPoint, cancellationToken).ConfigureAwait(false);
        if (activity is not null)
        {
            Trace(activity, endPoint, result);
        }

        if (result.Status == KrpcResultStatus.Abandoned)
        {
            // The lookup had what it needed (or the caller gave up): no verdict on the node asked.
            return abandonable ? result : throw new OperationCanceledException(cancellationToken);
        }

        Report(endPoint, known, result);
        return result;
    }

    private Activity? StartActivity(KrpcQuery query, IPEndPoint endPoint, NodeInfo? known)
    {
        bool inLookup = Activity.Current is { OperationName: DhtActivity.LookupName } lookup && lookup.Source == DhtActivity.Source;
        var tags = new List<KeyValuePair<string, object?>>(4)
        {
            new(DhtActivity.PeerAddressTag, endPoint.ToString()),
            new(DhtActivity.QueryTag, Encoding.ASCII.GetString(query.MethodName)),
        };
        if (known is { } node)
        {
            tags.Add(new(DhtActivity.PeerIdTag, node.Id.ToString()));
        }

        // A lookup's requests are its children and it names the node; any other request names the
        // node itself (its parent, if any, is the caller's activity: an HTTP request, say).
        if (!inLookup)
        {
            tags.Add(new(DhtActivity.LocalIdTag, tables.Id.ToString()));
        }

        return DhtActivity.Source.StartActivity(DhtActivity.RequestName, ActivityKind.Client, default(ActivityContext), tags);
    }

    private static void Trace(Activity activity, IPEndPoint endPoint, in KrpcResult result)
    {
        if (result.Response is { } response)
        {
            activity.SetTag(DhtActivity.PeerIdTag, response.SenderId.ToString());
            activity.SetTag(DhtActivity.OutcomeTag, "answered");
            (NodeInfo[] Nodes, NodeInfo[] Nodes6)? carried = response switch
            {
                FindNodeResponse f => (f.Nodes, f.Nodes6),
                GetPeersResponse g => (g.Nodes, g.Nodes6),
                GetResponse g => (g.Nodes, g.Nodes6),
                SampleInfohashesResponse s => (s.Nodes, s.Nodes6),
                _ => null, // ping, announce_peer, put: answers that name no nodes
            };
            if (carried is var (nodes, nodes6))
            {
                var named = NodesFor(endPoint, nodes, nodes6);
                var tags = new string[named.Length];
                for (int i = 0; i < named.Length; i++)
                {
                    tags[i] = $"{named[i].Id}@{named[i].EndPoint}";
                }

                activity.SetTag(DhtActivity.NodesTag, tags);
            }
            if (response is GetPeersResponse { Values.Length: > 0 } peers)
            {
                activity.SetTag(DhtActivity.PeersTag, peers.Values.Length);
            }
            else if (response is GetResponse { Value.IsEmpty: false } item)
            {
                activity.SetTag(DhtActivity.ValueBytesTag, item.Value.Length);
            }
        }
        else if (result.Status == KrpcResultStatus.Abandoned)
        {
            activity.SetTag(DhtActivity.OutcomeTag, "cancelled");
        }
        else
        {
            activity.SetTag(DhtActivity.OutcomeTag, result.Status switch
            {
                KrpcResultStatus.Timeout => "timeout",
                KrpcResultStatus.Error or KrpcResultStatus.InvalidResponse => "error",
                _ => "failed",
            });
            if ((result.Error?.ToString() ?? result.FailureReason) is { } error)
            {
                activity.SetTag(DhtActivity.ErrorTag, error);
            }

            activity.SetStatus(ActivityStatusCode.Error, result.Status.ToString());
        }
    }

    private async Task<KrpcResult> AskCopiesAsync(KrpcQuery query, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var timeout = options.RequestTimeout;
        int attempts = options.QueryAttempts;
        if (attempts == 1)
        {
            var only = await dispatcher.SendQueryAsync(query, endPoint, timeout, abandonable: true, cancellationToken).ConfigureAwait(false);
            Measure(only, 0);
            return only;
        }

        var interval = RetransmitInterval(timeout, attempts);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var copies = new List<Task<KrpcResult>>(attempts); // every copy sent, by number
        var outstanding = new List<Task<KrpcResult>>(attempts);
        var lastFailure = KrpcResult.Failed(KrpcResultStatus.Timeout);
        long start = _time.GetTimestamp();
        try
        {
            for (int attempt = 0; attempt < attempts; attempt++)
            {
                var remaining = timeout - _time.GetElapsedTime(start);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }

                var sent = dispatcher.SendQueryAsync(query, endPoint, remaining, abandonable: true, abandon.Token);
                copies.Add(sent);
                outstanding.Add(sent);
                bool last = attempt == attempts - 1;
                Task? nextCopy = last ? null : Task.Delay(interval, _time, abandon.Token);

                // Wait for an answer to any copy, or for the time to send the next one. A copy that
                // has already finished is in the list too, so a fast answer is never missed.
                while (outstanding.Count > 0)
                {
                    var first = await Task.WhenAny(nextCopy is null ? outstanding : [.. outstanding, nextCopy]).ConfigureAwait(false);
                    if (first == nextCopy)
                    {
                        break;
                    }

                    var copy = (Task<KrpcResult>)first;
                    outstanding.Remove(copy);
                    var result = await copy.ConfigureAwait(false);

                    // An answer wins; a copy that could not even be sent (full table, closed socket)
                    // will not do better next time; an abandoned one means the caller stopped waiting
                    // (this method abandons its own copies only on the way out).
                    if (result.NodeAnswered || result.Status is KrpcResultStatus.SendFailed or KrpcResultStatus.TooManyPending or KrpcResultStatus.Disposed or KrpcResultStatus.Abandoned)
                    {
                        Measure(result, copies.IndexOf(copy));
                        return result;
                    }

                    lastFailure = result;
                }

                if (outstanding.Count == 0 && (nextCopy is null || !nextCopy.IsCompleted))
                {
                    break; // every copy timed out: the window is over
                }
            }

            return lastFailure;
        }
        finally
        {
            // Copies still out are abandoned: their transactions are released at once. (Cancel, not
            // CancelAsync: the latter runs callbacks on the thread pool, out of step with a virtual clock.)
            abandon.Cancel();
        }
    }

    // Copies go out one measured timeout apart (SRTT + 4 RTTVAR, as TCP retransmits), so a lost
    // copy costs about one round trip and the lookups' give-up time, counted in the same unit,
    // covers the copies the measured loss calls for. Never wider than the even spacing of the
    // request window, which is also the spacing before anything was measured or with adaptive timeouts off.
    private TimeSpan RetransmitInterval(TimeSpan timeout, int attempts)
    {
        var even = timeout / attempts;
        return options.AdaptiveTimeouts && Timing.Timeout is { } measured && measured < even ? measured : even;
    }

    private void Measure(in KrpcResult result, int copy)
    {
        if (result.Status == KrpcResultStatus.Response)
        {
            Timing.Answered(copy, result.RoundTripTime);
        }
    }

    /// <summary>
    /// How a lookup starting now times its requests: from this node's measured round trip, giving a
    /// request up after as many retransmission intervals as the measured loss needs
    /// (<see cref="RequestsTiming.CopiesToCover"/>); null with <see cref="DhtOptions.AdaptiveTimeouts"/> off.
    /// </summary>
    public RoundTripTimeouts? LookupTimeouts() => options.AdaptiveTimeouts ? Timing.LookupTimeouts(options.QueryAttempts) : null;

    /// <summary>Asks a node we know by id; a timeout counts against it in the routing table.</summary>
    public Task<KrpcResult> AskKnownAsync(KrpcQuery query, NodeInfo node, CancellationToken cancellationToken) =>
        AskAsync(query, node.EndPoint, cancellationToken, node);

    /// <summary>
    /// Asks a node a lookup needs, expecting an answer of type <typeparamref name="T"/> from the id
    /// we know it by: an answer under another id counts as none (the endpoint now belongs to
    /// someone else), and a timeout counts against the node in the routing table. The token abandons
    /// the request: cancelled, it ends with null, not an exception. A lookup cancels the requests it
    /// still has out whenever it ends, early or not; the caller's own cancellation reaches the
    /// caller through the lookup.
    /// </summary>
    public async Task<T?> AskNodeAsync<T>(KrpcQuery query, NodeInfo node, CancellationToken cancellationToken)
        where T : KrpcResponse
    {
        var result = await AskAsync(query, node.EndPoint, node, abandonable: true, cancellationToken).ConfigureAwait(false);
        return result.Response is T response && response.SenderId == node.Id ? response : null;
    }

    /// <summary>Sends a ping and returns the answering node, or null when it did not answer.</summary>
    public async Task<NodeInfo?> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var result = await AskAsync(new PingQuery(tables.Id), endPoint, cancellationToken).ConfigureAwait(false);
        return result.Response is PingResponse response ? new NodeInfo(response.SenderId, endPoint) : null;
    }

    /// <summary>A lookup request that sends find_node for <paramref name="target"/>.</summary>
    public LookupRequest<NodeInfo> FindNode(NodeId target) => async (node, ct) =>
        await AskNodeAsync<FindNodeResponse>(new FindNodeQuery(tables.Id, target), node, ct).ConfigureAwait(false) is { } response
            ? NodesReply(node, response.Nodes, response.Nodes6)
            : LookupReply<NodeInfo>.NoAnswer;

    /// <summary>
    /// Pings a questionable node that a newcomer would replace. Unlike other requests, any outcome
    /// but an answer (an error reply, a failed send, an answer under another id's query) counts
    /// against it: the table asked for proof of life before it keeps the node over the newcomer.
    /// </summary>
    public async Task PingAsync(NodeInfo contact, CancellationToken cancellationToken)
    {
        var result = await AskAsync(new PingQuery(tables.Id), contact.EndPoint, cancellationToken).ConfigureAwait(false);
        if (!result.IsResponse)
        {
            tables.Report(contact, RequestOutcome.TimedOut);
        }
    }

    /// <summary>Resolves <see cref="DhtOptions.BootstrapNodes"/> and asks each for our neighbours, as <see cref="GetBootstrapContactsAsync(IReadOnlyList{IPEndPoint}, CancellationToken)"/>.</summary>
    public Task<IReadOnlyList<NodeInfo>> GetBootstrapContactsAsync(CancellationToken cancellationToken) =>
        GetBootstrapContactsAsync([], cancellationToken);

    /// <summary>
    /// Asks the bootstrap nodes (and <paramref name="extra"/>, nodes added before start) for the
    /// nodes closest to our id; each answering bootstrap node and the nodes it names are returned.
    /// </summary>
    public async Task<IReadOnlyList<NodeInfo>> GetBootstrapContactsAsync(IReadOnlyList<IPEndPoint> extra, CancellationToken cancellationToken)
    {
        var endPoints = new List<IPEndPoint>(extra);
        foreach (string entry in options.BootstrapNodes)
        {
            try
            {
                endPoints.AddRange(await HostPort.Parse(entry, nameof(DhtOptions.BootstrapNodes)).ResolveAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (SocketException e)
            {
                events.OnWarning($"bootstrap node {entry} could not be resolved", e);
            }
        }

        // Ask each bootstrap node for our neighbours; its answer puts it and them in reach.
        var asks = new List<Task<LookupReply<NodeInfo>>>();
        foreach (var endPoint in endPoints.Distinct())
        {
            if (tables.For(endPoint) is not null)
            {
                asks.Add(FindNodeFromBootstrapAsync(tables.Id, endPoint, cancellationToken));
            }
        }

        var replies = await Task.WhenAll(asks).ConfigureAwait(false);
        var seeds = replies.Where(r => r.Answered).SelectMany(r => r.Nodes).ToList();
        if (asks.Count > 0 && seeds.Count == 0 && tables.Count == 0)
        {
            events.OnWarning($"no bootstrap node answered ({asks.Count} tried)");
        }

        return seeds;
    }

    /// <summary>Mainline never queries a node at port 0 (a peer's compact entry can name one).</summary>
    public bool CanQuery(NodeInfo contact) => contact.EndPoint is not null && contact.EndPoint.Port != 0;

    /// <summary>Sends get_peers (or a BEP 33 scrape) and keeps the write token of the answer.</summary>
    public async Task<GetPeersResponse?> GetPeersAsync(
        GetPeersQuery query, NodeInfo node, ConcurrentDictionary<NodeId, NodeToken> tokens, CancellationToken cancellationToken)
    {
        var response = await AskNodeAsync<GetPeersResponse>(query, node, cancellationToken).ConfigureAwait(false);
        if (response is not null)
        {
            KeepToken(tokens, node, response.Token);
        }

        return response;
    }

    /// <summary>Keeps a node's write token for the announce or put that may follow the lookup.</summary>
    public static void KeepToken(ConcurrentDictionary<NodeId, NodeToken> tokens, NodeInfo node, ReadOnlyMemory<byte> token)
    {
        if (!token.IsEmpty)
        {
            tokens[node.Id] = new NodeToken(node, token.ToArray());
        }
    }

    /// <summary>A lookup answer: the nodes of the asked node's address family.</summary>
    public static LookupReply<NodeInfo> NodesReply(NodeInfo node, NodeInfo[] nodes, NodeInfo[] nodes6) =>
        LookupReply<NodeInfo>.From(NodesFor(node.EndPoint, nodes, nodes6));

    public static NodeInfo[] NodesFor(IPEndPoint endPoint, NodeInfo[] nodes, NodeInfo[] nodes6) =>
        CompactEncoding.Family(endPoint) == AddressFamily.InterNetwork ? nodes : nodes6;

    /// <summary>
    /// Asks a bootstrap node, whose id we do not know yet, for the nodes closest to <paramref name="target"/>;
    /// its id is learned from its answer and it becomes a candidate like the nodes it names.
    /// </summary>
    private async Task<LookupReply<NodeInfo>> FindNodeFromBootstrapAsync(NodeId target, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var result = await AskAsync(new FindNodeQuery(tables.Id, target), endPoint, cancellationToken).ConfigureAwait(false);
        return result.Response is FindNodeResponse response
            ? LookupReply<NodeInfo>.From([new NodeInfo(response.SenderId, endPoint), .. NodesFor(endPoint, response.Nodes, response.Nodes6)])
            : LookupReply<NodeInfo>.NoAnswer;
    }

    // The funnel, once per request (not per retransmitted copy): an answer counts for the id that
    // answered at the address we asked; a timeout counts against the node we meant to ask, when we
    // knew it; anything else (send failed, too many pending, disposed, cancelled, an error reply)
    // says nothing about the node.
    private void Report(IPEndPoint endPoint, NodeInfo? known, in KrpcResult result)
    {
        if (result.Response is { } response)
        {
            if (response.SenderId == tables.Id || tables.For(endPoint) is null)
            {
                return;
            }

            if (response.RequesterEndPoint is { } reported)
            {
                ExternalAddressReported?.Invoke(endPoint.Address, reported.Address);
            }

            tables.Report(new NodeInfo(response.SenderId, endPoint), RequestOutcome.Answered(result.RoundTripTime));
        }
        else if (result.Status == KrpcResultStatus.Timeout && known is { } node)
        {
            tables.Report(node, RequestOutcome.TimedOut);
        }
    }
}
