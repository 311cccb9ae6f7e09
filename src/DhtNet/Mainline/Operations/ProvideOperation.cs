using System.Collections.Concurrent;
using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline.Operations;

/// <summary>
/// announce_peer to the K closest nodes of an infohash (IPFS dht.provide), with the tokens of a
/// recent lookup of it when there is one, else after a get_peers lookup that collects them.
/// </summary>
internal static class ProvideOperation
{
    public static async Task<ProvideResult> RunAsync(NodeContext node, NodeId infoHash, int? port, bool seed, CancellationToken cancellationToken)
    {
        LookupStatistics statistics = default;
        if (!node.RecentTokens.TryGet(infoHash, out var holders))
        {
            var tokens = new ConcurrentDictionary<NodeId, NodeToken>();
            LookupRequest<NodeInfo> request = async (asked, ct) =>
                await node.Requests.GetPeersAsync(new GetPeersQuery(node.Id, infoHash), asked, tokens, ct).ConfigureAwait(false) is { } response
                    ? Requests.NodesReply(asked, response.Nodes, response.Nodes6)
                    : LookupReply<NodeInfo>.NoAnswer;
            var result = await StorageRound.LookUpAsync(node, "provide", infoHash, request, cancellationToken).ConfigureAwait(false);
            statistics = result.Statistics;
            holders = node.RecentTokens.Remember(infoHash, StorageRound.Nearest(node, infoHash, tokens));
        }

        var answers = await StorageRound.StoreAsync(
            node,
            infoHash,
            holders,
            holder =>
            {
                int ourPort = node.LocalEndPoints.FirstOrDefault(e => CompactEncoding.Family(e) == CompactEncoding.Family(holder.Node.EndPoint))?.Port ?? 0;
                return new AnnouncePeerQuery(node.Id, infoHash, port ?? Math.Max(ourPort, 1), holder.Token) { ImpliedPort = port is null, Seed = seed };
            },
            cancellationToken).ConfigureAwait(false);
        return new ProvideResult(infoHash, answers.Count(a => a.Result.IsResponse), statistics);
    }
}
