using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>BEP 33 scrapes across a swarm (the filter's own vector is tested in Storage).</summary>
public class ScrapeTests
{
    [Fact]
    public async Task ScrapeAsync_SeedsAndDownloadersAnnounced_EstimatesMatchTheirAddresses()
    {
        await using var swarm = SimulatedSwarm.Create(150, seed: 33);
        var infoHash = NodeId.Random(swarm.Random);
        var seeds = swarm.Nodes.Take(20).ToList();
        var downloaders = swarm.Nodes.Skip(20).Take(35).ToList();
        var announces = seeds.Select(n => n.ProvideAsync(infoHash, 6881, seed: true))
            .Concat(downloaders.Select(n => n.ProvideAsync(infoHash, 6881, seed: false)));
        var provided = swarm.Run(Task.WhenAll(announces));
        Assert.All(provided, p => Assert.True(p.Stored >= 6, $"only {p.Stored} nodes stored an announce"));

        var result = swarm.Run(swarm.Nodes[140].ScrapeAsync(infoHash));

        // The nodes near the infohash together hold every announcer, so the unions equal filters of all addresses.
        Assert.Equal(Estimate(seeds), result.Seeds);
        Assert.Equal(Estimate(downloaders), result.Peers);
        Assert.InRange(result.Seeds, 18, 22);
        Assert.InRange(result.Peers, 32, 38);
        Assert.True(result.Responders >= 6, $"{result.Responders} nodes sent filters");
        Assert.Equal(infoHash, result.InfoHash);
    }

    [Fact]
    public async Task ScrapeAsync_UnknownTorrent_ZeroAfterALookup()
    {
        await using var swarm = SimulatedSwarm.Create(30, seed: 34);
        var result = swarm.Run(swarm.Nodes[3].ScrapeAsync(NodeId.Random(swarm.Random)));
        Assert.Equal(0, result.Seeds);
        Assert.Equal(0, result.Peers);
        Assert.Equal(0, result.Responders);
        Assert.True(result.Statistics.Answered > 0);
    }

    [Fact]
    public async Task ScrapeThenProvide_SeedFlag_CountsTheAnnouncerAsSeed()
    {
        await using var swarm = SimulatedSwarm.Create(30, seed: 35);
        var infoHash = NodeId.Random(swarm.Random);
        var node = swarm.Nodes[4];
        Assert.Equal(0, swarm.Run(node.ScrapeAsync(infoHash)).Seeds);

        // The scrape's tokens serve the announce: no second lookup.
        var provided = swarm.Run(node.ProvideAsync(infoHash, 7000, seed: true));
        Assert.Equal(0, provided.Statistics.Queried);
        Assert.True(provided.Stored > 0);

        var result = swarm.Run(swarm.Nodes[20].ScrapeAsync(infoHash));
        Assert.Equal(1, result.Seeds);
        Assert.Equal(0, result.Peers);
    }

    private static int Estimate(IEnumerable<DhtNode> nodes)
    {
        var filter = new ScrapeBloomFilter();
        foreach (var node in nodes)
        {
            filter.Add(node.LocalEndPoints[0].Address);
        }

        return (int)Math.Round(filter.EstimateCount());
    }
}
