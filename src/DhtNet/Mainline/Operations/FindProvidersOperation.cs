using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using DhtNet.Kademlia;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline.Operations;

/// <summary>
/// get_peers toward an infohash, streaming the peers as replies carry them, without repeats
/// (IPFS dht.findProvs). Peers we store ourselves come first. The write tokens are kept for an
/// announce that may follow.
/// </summary>
internal static class FindProvidersOperation
{
    public static async IAsyncEnumerable<IPEndPoint> RunAsync(
        NodeContext node,
        NodeId infoHash,
        int maxProviders,
        TimeSpan? timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = new ProviderStream(maxProviders, (peer, from) => node.Events.OnPeerFound(infoHash, peer, from));
        var found = stream.Found;
        var lookups = new List<IterativeLookup<NodeId, NodeInfo>>();
        bool Offer(IPEndPoint peer, IPEndPoint from) => stream.Offer(peer, from);

        foreach (var stored in node.Peers.GetPeers(infoHash, maxProviders))
        {
            Offer(stored.ToEndPoint(), node.LocalEndPoints.FirstOrDefault() ?? new IPEndPoint(IPAddress.Loopback, 0));
        }

        // The timeout stops the lookups rather than cancelling them, so they end with what they
        // found and report their cost like any finished lookup.
        using var timeoutSource = timeout is { } limit ? new CancellationTokenSource(limit, node.Options.TimeProvider) : new CancellationTokenSource();
        using var stopAtTimeout = timeoutSource.Token.Register(static state => Lookups.StopAll((List<IterativeLookup<NodeId, NodeInfo>>)state!), lookups);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, node.Shutdown);
        var tokens = new ConcurrentDictionary<NodeId, NodeToken>();
        LookupRequest<NodeInfo> request = async (asked, ct) =>
        {
            var response = await node.Requests.GetPeersAsync(new GetPeersQuery(node.Id, infoHash), asked, tokens, ct).ConfigureAwait(false);
            if (response is null)
            {
                return LookupReply<NodeInfo>.NoAnswer;
            }

            foreach (var peer in response.Values)
            {
                if (!Offer(peer, asked.EndPoint))
                {
                    Lookups.StopAll(lookups, afterReply: true);
                    break;
                }
            }

            return Requests.NodesReply(asked, response.Nodes, response.Nodes6);
        };

        var run = node.Lookups.RunAsync("findprovs", infoHash, request, [], lookups, NodeIdSecurity.IsAcceptable, linked.Token);
        if (timeoutSource.IsCancellationRequested)
        {
            Lookups.StopAll(lookups); // the timeout fired while the lookups were being created
        }
        _ = run.ContinueWith(
            static (task, state) =>
            {
                var (stream, node, infoHash, tokens) = ((ProviderStream, NodeContext, NodeId, ConcurrentDictionary<NodeId, NodeToken>))state!;
                if (task.IsCompletedSuccessfully)
                {
                    node.RecentTokens.Remember(infoHash, StorageRound.Nearest(node, infoHash, tokens));
                }

                stream.End();
            },
            (stream, node, infoHash, tokens),
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
            Lookups.StopAll(lookups);
        }
    }

    /// <summary>
    /// The peers found, without repeats, up to the most asked for. The lookups end as soon as enough were
    /// counted, possibly while the reply that counted the last one is still being written on another
    /// thread: the stream ends only once every peer counted is written, so none is lost.
    /// </summary>
    /// <param name="maxProviders">The most peers the stream takes.</param>
    /// <param name="onFound">Told of each new peer (the PeerFound event) before the reader gets it.</param>
    internal sealed class ProviderStream(int maxProviders, Action<IPEndPoint, IPEndPoint> onFound)
    {
        private readonly HashSet<IPEndPoint> _seen = [];
        private int _writing;
        private bool _ended;

        // Synchronous continuations: the reader sees a peer at the virtual instant it was found, not
        // whenever the thread pool gets to it (which would let a simulated clock run ahead).
        public Channel<IPEndPoint> Found { get; } = Channel.CreateUnbounded<IPEndPoint>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

        /// <summary>Offers a peer; returns false once enough were found.</summary>
        public bool Offer(IPEndPoint peer, IPEndPoint from)
        {
            bool wantMore;
            lock (_seen)
            {
                if (_seen.Count >= maxProviders)
                {
                    return false;
                }

                if (!_seen.Add(peer))
                {
                    return true;
                }

                wantMore = _seen.Count < maxProviders;
                _writing++;
            }

            // Outside the lock: event handlers run here, then the reader's code may run inline. Handlers
            // first, so that they have seen every peer the reader gets, even the one it stops at.
            try
            {
                onFound(peer, from);
                Found.Writer.TryWrite(peer);
            }
            finally
            {
                bool last;
                lock (_seen)
                {
                    last = --_writing == 0 && _ended;
                }

                if (last)
                {
                    Found.Writer.TryComplete();
                }
            }

            return wantMore;
        }

        /// <summary>The lookups are over: the stream ends now, or when the peers being written are written.</summary>
        public void End()
        {
            lock (_seen)
            {
                _ended = true;
                if (_writing > 0)
                {
                    return;
                }
            }

            Found.Writer.TryComplete();
        }
    }
}
