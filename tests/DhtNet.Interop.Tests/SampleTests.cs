using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

public class SampleTests
{
    [Fact]
    public async Task Sample_LibtorrentAskingLibtorrent_ReturnsAnnouncedInfohash()
    {
        var infoHash = NodeId.Random();
        await using var holder = await LibtorrentPeer.StartAsync();
        await using var asker = await LibtorrentPeer.StartAsync(bootstrap: [holder.EndPoint]);
        Assert.True(await holder.AddNodeAsync(asker.EndPoint));

        var announce = await asker.AnnounceAsync(infoHash);
        await holder.WaitForAnnounceAsync(infoHash, TimeSpan.FromSeconds(10));
        var sample = await asker.SampleAsync(holder.EndPoint, NodeId.Random());

        Assert.True(announce.Nodes >= 1);
        Assert.NotNull(sample);
        Assert.Contains(infoHash, sample.Samples);
        Assert.Equal(1, sample.Num);
        Assert.True(sample.Interval > 0);
        Assert.Contains(sample.Nodes, n => n.Id == asker.NodeId);
    }

    [Fact]
    public async Task Sample_LibtorrentAskingBittorrentDht_GetsNoAnswer()
    {
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [bittorrentDht.EndPoint]);

        // bittorrent-dht drops query kinds it does not know instead of answering with error 204.
        var sample = await libtorrent.SampleAsync(bittorrentDht.EndPoint, NodeId.Random(), TimeSpan.FromSeconds(3));

        Assert.Null(sample);
    }
}
