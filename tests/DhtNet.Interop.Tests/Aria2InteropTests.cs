using System.Net;
using System.Text.RegularExpressions;
using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

/// <summary>
/// aria2 1.36 (BEP 5 only) joining a DhtNet network: it can only be pointed at one entry node and
/// given a magnet link, so every scenario runs through its own lookup and announce. Its first
/// lookup runs before its entry node has answered; the retry 5 s later does the work.
/// </summary>
public partial class Aria2InteropTests
{
    private static readonly TimeSpan Wait = Aria2Peer.LookupTimeout;

    [Fact]
    public async Task Bootstrap_Aria2EnteringThroughDhtNet_EachSideHoldsTheOther()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var aria2 = await Aria2Peer.StartAsync(swarm[0].EndPoint, NodeId.Random());

        // aria2 pings its entry node, then meets the others through our get_peers replies.
        foreach (var node in swarm.Nodes)
        {
            await aria2.WaitForNodeAddedAsync(node.NodeId, Wait);
        }

        foreach (var node in swarm.Nodes)
        {
            await node.WaitForNodeAsync(aria2.NodeId, Wait);
            Assert.Contains(node.Node.ExportNodes(), n => n.Id == aria2.NodeId && n.EndPoint.Equals(aria2.DhtEndPoint));
        }

        // Our lookups go through aria2 too: it answers find_node and get_peers and takes announce_peer.
        var query = await swarm[1].Node.QueryAsync(aria2.NodeId);
        Assert.True(swarm[2].Node.RemoveNode(aria2.NodeId));
        var found = await swarm[2].Node.FindPeerAsync(aria2.NodeId);
        var provided = await swarm[1].Node.ProvideAsync(NodeId.Random(), 40007);
        await aria2.WaitForLogAsync(Aria2AnsweredAnnounce(), Wait);

        Assert.Equal(aria2.NodeId, query.Nodes[0].Id);
        Assert.Equal(aria2.DhtEndPoint, query.Nodes[0].EndPoint);
        Assert.Equal(aria2.DhtEndPoint, found);
        Assert.Equal(3, provided.Stored);
        var kinds = await aria2.WaitForQueriesAnsweredAsync(swarm.EndPoints.Select(e => e.Port), Wait);
        Assert.Contains("ping", kinds);
        Assert.Contains("get_peers", kinds);
        swarm.AssertNoProblems();
        aria2.AssertNoComplaints();
    }

    [Fact]
    public async Task Providers_Aria2AndDhtNet_EachFindsWhatTheOtherAnnounced()
    {
        var infoHash = NodeId.Random();
        var dhtNetPeer = new IPEndPoint(IPAddress.Loopback, 40004);
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        var provided = await swarm[1].Node.ProvideAsync(infoHash, dhtNetPeer.Port);
        await using var aria2 = await Aria2Peer.StartAsync(swarm[0].EndPoint, infoHash);

        // aria2's get_peers lookup brings back the peer DhtNet announced...
        await aria2.WaitForPeerReceivedAsync(dhtNetPeer, Wait);
        // ...and it announces its own BitTorrent port (an explicit port, no implied_port) to our nodes.
        var acknowledgedBy = await aria2.WaitForAnnounceAcknowledgedAsync(Wait);
        var aria2Peer = new IPEndPoint(IPAddress.Loopback, aria2.ListenPort);
        var received = await swarm.Nodes.Single(n => n.EndPoint.Equals(acknowledgedBy)).WaitForAnnounceAsync(infoHash, Wait, aria2Peer);
        var found = await swarm[2].FindProvidersAsync(infoHash);

        Assert.Equal(2, provided.Stored);
        Assert.False(received.Seed);
        // Nodes keep one peer per address (BEP 33): aria2's 127.0.0.1 announce replaced ours.
        Assert.Contains(aria2Peer, found);
        var kinds = await aria2.WaitForQueriesAnsweredAsync(swarm.EndPoints.Select(e => e.Port), Wait);
        Assert.Contains("announce_peer", kinds);
        swarm.AssertNoProblems();
        aria2.AssertNoComplaints();
    }

    [GeneratedRegex(@"Message sent: dht response announce_peer ")]
    private static partial Regex Aria2AnsweredAnnounce();
}
