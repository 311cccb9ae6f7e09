using System.Collections.Concurrent;
using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Operations;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline.Bep33;

/// <summary>
/// BEP 33: a get_peers lookup with <c>scrape=1</c> that ORs together the seed and downloader bloom
/// filters of every node that replies with them, and of our own store. Looked up as a provide would,
/// so that a provide right after can reuse these tokens.
/// </summary>
internal static class ScrapeOperation
{
    public static async Task<ScrapeResult> RunAsync(NodeContext node, NodeId infoHash, CancellationToken cancellationToken)
    {
        var seeds = new ScrapeBloomFilter();
        var peers = new ScrapeBloomFilter();
        int responders = 0;
        if (node.Peers.TryGetScrapeFilters(infoHash, out var storedSeeds, out var storedPeers))
        {
            seeds.UnionWith(storedSeeds);
            peers.UnionWith(storedPeers);
            responders++;
        }

        var tokens = new ConcurrentDictionary<NodeId, NodeToken>();
        LookupRequest<NodeInfo> request = async (asked, ct) =>
        {
            var response = await node.Requests.GetPeersAsync(new GetPeersQuery(node.Id, infoHash) { Scrape = true }, asked, tokens, ct).ConfigureAwait(false);
            if (response is null)
            {
                return LookupReply<NodeInfo>.NoAnswer;
            }

            bool hasSeeds = response.BloomSeeds.Length == ScrapeBloomFilter.Size;
            bool hasPeers = response.BloomPeers.Length == ScrapeBloomFilter.Size;
            if (hasSeeds || hasPeers)
            {
                lock (seeds)
                {
                    if (hasSeeds)
                    {
                        seeds.UnionWith(response.BloomSeeds.Span);
                    }

                    if (hasPeers)
                    {
                        peers.UnionWith(response.BloomPeers.Span);
                    }

                    responders++;
                }
            }

            return Requests.NodesReply(asked, response.Nodes, response.Nodes6);
        };

        var lookup = await StorageRound.LookUpAsync(node, "scrape", infoHash, request, cancellationToken).ConfigureAwait(false);
        node.RecentTokens.Remember(infoHash, StorageRound.Nearest(node, infoHash, tokens));
        lock (seeds)
        {
            return new ScrapeResult(infoHash, (int)Math.Round(seeds.EstimateCount()), (int)Math.Round(peers.EstimateCount()), lookup.Statistics)
            {
                Responders = responders,
            };
        }
    }
}
