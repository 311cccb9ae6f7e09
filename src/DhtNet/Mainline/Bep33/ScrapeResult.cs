using DhtNet.Kademlia;

namespace DhtNet.Mainline.Bep33;

/// <summary>
/// A BEP 33 DHT scrape of <see cref="InfoHash"/>: the number of distinct seed and non-seed peer
/// addresses, estimated from the union of the bloom filters the nodes near the infohash sent.
/// </summary>
/// <param name="InfoHash">The torrent scraped.</param>
/// <param name="Seeds">Estimated seeds (from the union of the BFsd filters).</param>
/// <param name="Peers">Estimated downloaders, that is peers that are not seeds (from the union of the BFpe filters).</param>
/// <param name="Statistics">What the get_peers lookup cost.</param>
public sealed record ScrapeResult(NodeId InfoHash, int Seeds, int Peers, LookupStatistics Statistics)
{
    /// <summary>Nodes whose replies carried bloom filters (our own store included when it has the torrent).</summary>
    public int Responders { get; init; }
}
