using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

public class BootstrapTests
{
    [Fact]
    public async Task Start_BittorrentDhtBootstrappingOffLibtorrent_EachHoldsTheOther()
    {
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);

        // bittorrent-dht keeps the nodes that answer its bootstrap lookup; libtorrent keeps only
        // nodes it has pinged itself, so it is told about the other one.
        var jsNodes = await bittorrentDht.NodesAsync();
        bool answered = await libtorrent.AddNodeAsync(bittorrentDht.EndPoint);
        var ltNodes = await libtorrent.NodesAsync();

        Assert.Contains(jsNodes, n => n.Id == libtorrent.NodeId && n.EndPoint.Equals(libtorrent.EndPoint));
        Assert.True(answered);
        Assert.Contains(ltNodes, n => n.Id == bittorrentDht.NodeId && n.EndPoint.Equals(bittorrentDht.EndPoint));
    }

    [Fact]
    public async Task Start_LibtorrentBootstrappingOffBittorrentDht_EachHoldsTheOther()
    {
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [bittorrentDht.EndPoint]);

        var ltNodes = await libtorrent.NodesAsync();
        var jsNodes = await bittorrentDht.NodesAsync();

        Assert.Equal([bittorrentDht.EndPoint], libtorrent.BootstrapAnswered);
        Assert.Contains(ltNodes, n => n.Id == bittorrentDht.NodeId);
        // bittorrent-dht adds every node that queries it.
        Assert.Contains(jsNodes, n => n.Id == libtorrent.NodeId && n.EndPoint.Equals(libtorrent.EndPoint));
    }

    [Fact]
    public async Task Start_LibtorrentBootstrappingOffSeveralPeers_LearnsThemAll()
    {
        await using var first = await BittorrentDhtPeer.StartAsync();
        await using var second = await BittorrentDhtPeer.StartAsync(bootstrap: [first.EndPoint]);
        await using var hub = await LibtorrentPeer.StartAsync(bootstrap: [first.EndPoint, second.EndPoint]);

        var stats = await hub.StatsAsync();
        var nodes = await hub.NodesAsync();

        Assert.Equal(2, hub.BootstrapAnswered.Count);
        Assert.Equal(2, stats.Nodes);
        Assert.Equal(
            new[] { first.NodeId, second.NodeId }.Order(),
            nodes.Select(n => n.Id).Order());
    }

    [Fact]
    public async Task Closest_BittorrentDhtFindNodeThroughLibtorrentNodes_ReachesFarNode()
    {
        await using var far = await LibtorrentPeer.StartAsync();
        await using var middle = await LibtorrentPeer.StartAsync(bootstrap: [far.EndPoint]);
        await using var entry = await LibtorrentPeer.StartAsync(bootstrap: [middle.EndPoint]);
        await using var seeker = await BittorrentDhtPeer.StartAsync(bootstrap: [entry.EndPoint]);

        // The seeker knows only the entry node; each libtorrent node knows only the next one.
        var closest = await seeker.ClosestAsync(far.NodeId);

        Assert.Equal(far.NodeId, closest[0].Id);
        Assert.Equal(far.EndPoint, closest[0].EndPoint);
        Assert.Contains(closest, n => n.Id == middle.NodeId);
    }
}
