using System.Collections.Concurrent;
using DhtNet.Lookup;
using DhtNet.Mainline.Bep33;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline;

// BEP 33: estimating a torrent's seeds and downloaders from the bloom filters of the nodes near it.
public sealed partial class DhtNode
{
    /// <summary>
    /// Scrapes <paramref name="infoHash"/> (BEP 33): a get_peers lookup with <c>scrape=1</c> that ORs
    /// together the BFsd (seeds) and BFpe (downloaders) bloom filters of every node that replies
    /// with them, and of our own store, then estimates how many distinct addresses each union holds.
    /// The estimate is good up to a few thousand peers; nodes that do not support BEP 33 just add nothing.
    /// The write tokens are kept, so a <see cref="ProvideAsync(NodeId, int?, bool, CancellationToken)"/>
    /// right after needs no second lookup.
    /// </summary>
    public async Task<ScrapeResult> ScrapeAsync(NodeId infoHash, CancellationToken cancellationToken = default)
    {
        _ = Dispatcher;
        var seeds = new ScrapeBloomFilter();
        var peers = new ScrapeBloomFilter();
        int responders = 0;
        if (_peers.TryGetScrapeFilters(infoHash, out var storedSeeds, out var storedPeers))
        {
            seeds.UnionWith(storedSeeds);
            peers.UnionWith(storedPeers);
            responders++;
        }

        var tokens = new ConcurrentDictionary<NodeId, NodeToken>();
        LookupRequest request = async (node, ct) =>
        {
            var response = await GetPeersAsync(new GetPeersQuery(_id, infoHash) { Scrape = true }, node, tokens, ct).ConfigureAwait(false);
            if (response is null)
            {
                return LookupReply.NoAnswer;
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

            return NodesReply(node, response.Nodes, response.Nodes6);
        };

        // Looked up as a provide would, so that a provide right after can reuse these tokens.
        var lookup = await RunLookupsAsync("scrape", infoHash, request, [], cancellationToken, prefer: NodeIdSecurity.IsAcceptable).ConfigureAwait(false);
        _recentTokens.Remember(infoHash, NearestHolders(infoHash, tokens, StorageCandidates), tokens);
        lock (seeds)
        {
            return new ScrapeResult(infoHash, (int)Math.Round(seeds.EstimateCount()), (int)Math.Round(peers.EstimateCount()), lookup.Statistics)
            {
                Responders = responders,
            };
        }
    }
}
