using System.Net;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

public class AnnounceTests
{
    [Fact]
    public async Task Lookup_ByLibtorrent_FindsPeerAnnouncedByBittorrentDht()
    {
        var infoHash = NodeId.Random();
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [libtorrent.EndPoint]);
        Assert.True(await libtorrent.AddNodeAsync(bittorrentDht.EndPoint));

        int accepted = await bittorrentDht.AnnounceAsync(infoHash, port: 6881);
        var peers = await libtorrent.LookupAsync(infoHash);

        Assert.True(accepted >= 1, $"announce_peer accepted by {accepted} nodes");
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 6881), peers);
    }

    [Fact]
    public async Task Lookup_ByBittorrentDht_FindsLibtorrentListenPort()
    {
        var infoHash = NodeId.Random();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [bittorrentDht.EndPoint]);

        var announce = await libtorrent.AnnounceAsync(infoHash);
        var stored = await bittorrentDht.WaitForAnnounceAsync(infoHash, TimeSpan.FromSeconds(10));
        var peers = await bittorrentDht.LookupAsync(infoHash);

        // libtorrent announces with implied_port, so the port seen is its DHT socket's: its listen port.
        Assert.Equal(libtorrent.EndPoint.Port, announce.Port);
        Assert.Equal(Json.Text(libtorrent.EndPoint), stored["peer"]?.ToString());
        Assert.Contains(libtorrent.EndPoint, peers);
    }

    [Fact]
    public async Task Lookup_ThroughLibtorrentHub_FindsPeerAnnouncedByOtherBittorrentDht()
    {
        var infoHash = NodeId.Random();
        await using var hub = await LibtorrentPeer.StartAsync();
        await using var announcer = await BittorrentDhtPeer.StartAsync(bootstrap: [hub.EndPoint]);
        await using var seeker = await BittorrentDhtPeer.StartAsync(bootstrap: [hub.EndPoint]);
        Assert.True(await hub.AddNodeAsync(announcer.EndPoint));

        await announcer.AnnounceAsync(infoHash, port: 51413);
        var peers = await seeker.LookupAsync(infoHash);

        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 51413), peers);
    }
}
