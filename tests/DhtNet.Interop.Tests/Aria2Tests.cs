using System.Net;
using System.Text.RegularExpressions;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

public partial class Aria2Tests
{
    [Fact]
    public async Task Lookup_ByBittorrentDht_FindsAria2AfterItAnnouncedThroughLibtorrent()
    {
        var infoHash = NodeId.Random();
        await using var hub = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [hub.EndPoint]);
        await using var aria2 = await Aria2Peer.StartAsync(hub.EndPoint, infoHash);

        var acknowledgedBy = await aria2.WaitForAnnounceAcknowledgedAsync(Aria2Peer.LookupTimeout);
        var aria2Peer = new IPEndPoint(IPAddress.Loopback, aria2.ListenPort);
        var peers = await Retry.UntilAsync(
            () => bittorrentDht.LookupAsync(infoHash),
            found => found.Contains(aria2Peer),
            attempts: 5,
            found => $"peers [{string.Join(", ", found)}], aria2 at {aria2Peer}{Environment.NewLine}{aria2.Describe()}");

        Assert.Equal(IPAddress.Loopback, acknowledgedBy.Address);
        Assert.Contains(aria2Peer, peers);
    }

    [Fact]
    public async Task Aria2Lookup_AfterLibtorrentAnnounced_ReceivesLibtorrentAsPeer()
    {
        var infoHash = NodeId.Random();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [bittorrentDht.EndPoint]);
        var announce = await libtorrent.AnnounceAsync(infoHash);
        Assert.True(announce.Nodes >= 1);

        await using var aria2 = await Aria2Peer.StartAsync(bittorrentDht.EndPoint, infoHash);
        string line = await aria2.WaitForLogAsync(ReceivedPeers(), Aria2Peer.LookupTimeout);

        Assert.Matches(ReceivedPeers(), line);
        var table = await bittorrentDht.NodesAsync();
        Assert.Contains(table, n => n.Id == aria2.NodeId);
    }

    [GeneratedRegex(@"Received [1-9]\d* peers")]
    private static partial Regex ReceivedPeers();
}
