using System.Net;
using DhtNet.Interop.Tests.Harness;
using static DhtNet.Interop.Tests.Harness.RawKrpc;

namespace DhtNet.Interop.Tests;

/// <summary>DhtNet nodes and bittorrent-dht 11 nodes (BEP 5 and 44) in one network on 127.0.0.1.</summary>
public class BittorrentDhtInteropTests : MixedNetworkTests
{
    [Fact]
    public async Task Bootstrap_MixedNetwork_EachSideHoldsTheOthersNodes()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var first = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);
        await using var second = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[1].EndPoint]);
        await using var late = await DhtNetPeer.StartAsync([first.EndPoint]);

        // bittorrent-dht keeps the nodes that answered its bootstrap lookup: ours.
        var firstTable = await first.NodesAsync();
        var secondTable = await second.NodesAsync();
        foreach (var node in swarm.Nodes)
        {
            Assert.Contains(firstTable, n => n.Id == node.NodeId && n.EndPoint.Equals(node.EndPoint));
            Assert.Contains(secondTable, n => n.Id == node.NodeId && n.EndPoint.Equals(node.EndPoint));

            // Ours keep the nodes that queried them.
            await node.WaitForNodeAsync(first.NodeId, Wait);
            await node.WaitForNodeAsync(second.NodeId, Wait);
        }

        // A DhtNet node that knew only a bittorrent-dht node found everyone through its replies.
        AssertHoldsAll(late, [first.NodeId, second.NodeId, .. swarm.Nodes.Select(n => n.NodeId)]);
        Assert.Contains(await first.NodesAsync(), n => n.Id == late.NodeId);
        swarm.AssertNoProblems();
        late.AssertNoProblems();
        first.AssertNoComplaints();
        second.AssertNoComplaints();
    }

    [Fact]
    public async Task FindProviders_BittorrentDhtAnnounced_FindsExplicitAndImpliedPorts()
    {
        var infoHash = NodeId.Random();
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var explicitAnnouncer = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);
        await using var impliedAnnouncer = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[1].EndPoint]);

        int explicitAccepted = await explicitAnnouncer.AnnounceAsync(infoHash, port: 6881);
        int impliedAccepted = await impliedAnnouncer.AnnounceAsync(infoHash, port: 0);
        var found = await swarm[2].FindProvidersAsync(infoHash);

        // Every node took the announces (3 of ours and the other bittorrent-dht node).
        Assert.True(explicitAccepted >= 3, $"explicit port accepted by {explicitAccepted}");
        Assert.True(impliedAccepted >= 3, $"implied port accepted by {impliedAccepted}");
        Assert.Contains(new IPEndPoint(IPAddress.Loopback, 6881), found);
        Assert.Contains(impliedAnnouncer.EndPoint, found);
        var received = await swarm[2].WaitForAnnounceAsync(infoHash, Wait);
        Assert.False(received.Seed);
        swarm.AssertNoProblems();
        explicitAnnouncer.AssertNoComplaints();
        impliedAnnouncer.AssertNoComplaints();
    }

    [Fact]
    public async Task Lookup_ByBittorrentDht_FindsWhatDhtNetProvided()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var other = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);
        await using var seeker = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[1].EndPoint]);

        // Every other node (two of ours, both bittorrent-dht nodes) accepts our announce_peer.
        await ProvideThenLookupAsync(swarm[2], port: 40002, expectedStored: 4, announcedTo: other, seeker: seeker);
        swarm.AssertNoProblems();
        other.AssertNoComplaints();
        seeker.AssertNoComplaints();
    }

    [Fact]
    public async Task QueryAndFindPeer_ThroughBittorrentDhtNodes_ReturnTheirNodes()
    {
        await using var hub = await BittorrentDhtPeer.StartAsync();
        await using var second = await BittorrentDhtPeer.StartAsync(bootstrap: [hub.EndPoint]);
        await using var far = await BittorrentDhtPeer.StartAsync(bootstrap: [hub.EndPoint]);
        await using var node = await DhtNetPeer.StartAsync([hub.EndPoint]);

        await QueryThenFindPeerAsync(node, far, [hub.NodeId, second.NodeId, far.NodeId]);
    }

    [Fact]
    public async Task Bootstrap_OffBittorrentDhtReplyWithMoreThanEightNodes_UsesThemAll()
    {
        await using var hub = await BittorrentDhtPeer.StartAsync();
        var isolated = new List<DhtNetPeer>();
        try
        {
            // Twelve DhtNet nodes that know only the hub (which adds every node that pings it).
            for (int i = 0; i < 12; i++)
            {
                var node = await DhtNetPeer.StartAsync();
                isolated.Add(node);
                Assert.NotNull(await node.Node.PingAsync(hub.EndPoint));
            }

            await using var sender = await BittorrentDhtPeer.StartAsync();
            var reply = await sender.QueryAsync(hub.EndPoint, "find_node", Dictionary(("id", Id(sender.NodeId)), ("target", Id(NodeId.Random()))));
            var hubNodes = Nodes((BencodeDictionary)reply.Decode()["r"]!);
            // With bittorrent-dht's k of 20, the late node's bootstrap lookup must ask every node it hears of.
            await using var late = await DhtNetPeer.StartAsync([hub.EndPoint], template: new DhtOptions { K = 20 });

            // bittorrent-dht answers with up to 20 nodes, not 8, the asker included. The isolated
            // nodes name no one but the hub and the late node, so the 13 nodes the late node's
            // bootstrap lookup queried besides the hub (12 isolated, the sender) came from the
            // hub's one reply.
            Assert.Equal(13, hubNodes.Count);
            Assert.Contains(hubNodes, n => n.Id == sender.NodeId);
            string done = await late.Logs.Lines.WaitAsync(l => l.Contains("Bootstrap done", StringComparison.Ordinal), Wait, late.Describe);
            Assert.True(done.Contains("(14 queried, 14 answered)", StringComparison.Ordinal), done);
            Assert.Equal(
                isolated.Select(n => n.NodeId).Append(hub.NodeId).Append(sender.NodeId).Order(),
                late.Node.ExportNodes().Select(n => n.Id).Order());
            late.AssertNoProblems();
        }
        finally
        {
            foreach (var node in isolated)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Closest_ByBittorrentDhtThroughDhtNetNodes_ReachesEveryDhtNetNode()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(4);
        await using var seeker = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);

        foreach (var target in swarm.Nodes)
        {
            var closest = await seeker.ClosestAsync(target.NodeId, "find_node");
            Assert.Equal(target.NodeId, closest[0].Id);
            Assert.Equal(target.EndPoint, closest[0].EndPoint);
        }

        var byGetPeers = await seeker.ClosestAsync(swarm[3].NodeId, "get_peers");
        Assert.Equal(swarm[3].NodeId, byGetPeers[0].Id);
        Assert.Equal(4, byGetPeers.Count);
        swarm.AssertNoProblems();
        seeker.AssertNoComplaints();
    }

    [Fact]
    public async Task RawQueries_Bep5Kinds_DhtNetAnswersWellFormed()
    {
        var infoHash = NodeId.Random();
        await using var swarm = await DhtNetSwarm.StartAsync(2);
        var node = swarm[0];
        await using var sender = await BittorrentDhtPeer.StartAsync();
        var id = Id(sender.NodeId);

        var ping = await AskAsync(sender, node, "ping", ("id", id));
        var findNode = await AskAsync(sender, node, "find_node", ("id", id), ("target", Id(swarm[1].NodeId)));
        var findNodeBoth = await AskAsync(sender, node, "find_node", ("id", id), ("target", Id(NodeId.Random())), ("want", new BencodeList([new BencodeString("n4"), new BencodeString("n6")])));
        var getPeers = await AskAsync(sender, node, "get_peers", ("id", id), ("info_hash", Id(infoHash)));
        var token = Bytes(GetBytes(getPeers, "token")!);
        var announce = await AskAsync(sender, node, "announce_peer", ("id", id), ("info_hash", Id(infoHash)), ("port", Int(7000)), ("token", token));
        var stored = await AskAsync(sender, node, "get_peers", ("id", id), ("info_hash", Id(infoHash)));
        var implied = await AskAsync(sender, node, "announce_peer", ("id", id), ("info_hash", Id(infoHash)), ("port", Int(1)), ("implied_port", Int(1)), ("token", token));
        var again = await AskAsync(sender, node, "get_peers", ("id", id), ("info_hash", Id(infoHash)));

        Assert.Single(ping.Entries);
        Assert.Equal(swarm[1].NodeId, Nodes(findNode)[0].Id);
        Assert.Contains(Nodes(findNode), n => n.Id == sender.NodeId);
        Assert.NotNull(findNodeBoth["nodes"]);
        Assert.Null(findNodeBoth["nodes6"] is BencodeString { Bytes.Length: > 0 } ? findNodeBoth["nodes6"] : null);
        Assert.Null(getPeers["values"]);
        Assert.NotEmpty(Nodes(getPeers));
        Assert.Single(announce.Entries);
        Assert.Single(implied.Entries);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 7000)], Values(stored));
        // One peer per IP address, as libtorrent keeps them: the re-announce replaced the port.
        Assert.Equal([sender.EndPoint], Values(again));
        Assert.Equal(2, node.Announces.Snapshot().Count);
        await node.WaitForNodeAsync(sender.NodeId, Wait);
        node.AssertNoProblems();
        sender.AssertNoComplaints();
    }

    [Fact]
    public async Task RawQueries_Bep44Kinds_DhtNetStoresServesAndRefuses()
    {
        var keyPair = Ed25519KeyPair.FromSeed(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        byte[] salt = "salt"u8.ToArray();
        byte[] immutable = new BencodeString("immutable from bittorrent-dht").Encode();
        byte[] mutable = new BencodeList([new BencodeInteger(1), new BencodeString("two")]).Encode();
        var immutableTarget = ItemRules.ImmutableTarget(immutable);
        var mutableTarget = ItemRules.MutableTarget(keyPair.PublicKey.Span, salt);
        await using var node = await DhtNetPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();
        var id = Id(sender.NodeId);

        var emptyGet = await AskAsync(sender, node, "get", ("id", id), ("target", Id(immutableTarget)));
        var token = Bytes(GetBytes(emptyGet, "token")!);
        await AskAsync(sender, node, "put", ("id", id), ("token", token), ("v", BencodeValue.Parse(immutable)));
        var immutableGet = await AskAsync(sender, node, "get", ("id", id), ("target", Id(immutableTarget)));

        var mutableToken = Bytes(GetBytes(await AskAsync(sender, node, "get", ("id", id), ("target", Id(mutableTarget))), "token")!);
        await AskAsync(sender, node, "put", MutablePut(id, mutableToken, keyPair, salt, 5, mutable));
        var mutableGet = await AskAsync(sender, node, "get", ("id", id), ("target", Id(mutableTarget)));
        var upToDate = await AskAsync(sender, node, "get", ("id", id), ("target", Id(mutableTarget)), ("seq", Int(5)));
        var stale = await ErrorAsync(sender, node, "put", MutablePut(id, mutableToken, keyPair, salt, 4, mutable));
        var casMismatch = await ErrorAsync(sender, node, "put", MutablePut(id, mutableToken, keyPair, salt, 6, mutable, cas: 4));
        var badSignature = await ErrorAsync(sender, node, "put", MutablePut(id, mutableToken, keyPair, salt, 6, mutable, corrupt: true));
        await AskAsync(sender, node, "put", MutablePut(id, mutableToken, keyPair, salt, 6, mutable, cas: 5));
        var afterCas = await AskAsync(sender, node, "get", ("id", id), ("target", Id(mutableTarget)));

        Assert.Null(emptyGet["v"]);
        Assert.Equal(immutable, immutableGet["v"]!.Encode());
        Assert.Equal(mutable, mutableGet["v"]!.Encode());
        Assert.Equal(5, GetInt(mutableGet, "seq"));
        Assert.Equal(keyPair.PublicKey.ToArray(), GetBytes(mutableGet, "k"));
        Assert.True(ItemRules.VerifySignature(keyPair.PublicKey.Span, salt, 5, mutable, GetBytes(mutableGet, "sig")));
        // BEP 44: a get whose seq is not older than ours gets only seq back.
        Assert.Null(upToDate["v"]);
        Assert.Equal(5, GetInt(upToDate, "seq"));
        Assert.Equal(302, stale.Code);
        Assert.Equal(301, casMismatch.Code);
        Assert.Equal(206, badSignature.Code);
        Assert.Equal(6, GetInt(afterCas, "seq"));
        node.AssertNoProblems();
        sender.AssertNoComplaints();
    }

    [Fact]
    public async Task RawQueries_Bep33And51_DhtNetAnswersScrapeAndSample()
    {
        var infoHash = NodeId.Random();
        await using var node = await DhtNetPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();
        var id = Id(sender.NodeId);

        var getPeers = await AskAsync(sender, node, "get_peers", ("id", id), ("info_hash", Id(infoHash)));
        var token = Bytes(GetBytes(getPeers, "token")!);
        await AskAsync(sender, node, "announce_peer", ("id", id), ("info_hash", Id(infoHash)), ("port", Int(7001)), ("token", token), ("seed", Int(1)));
        var scrape = await AskAsync(sender, node, "get_peers", ("id", id), ("info_hash", Id(infoHash)), ("scrape", Int(1)));
        var sample = await AskAsync(sender, node, "sample_infohashes", ("id", id), ("target", Id(NodeId.Random())));

        Assert.Equal(256, GetBytes(scrape, "BFsd")!.Length);
        Assert.Equal(256, GetBytes(scrape, "BFpe")!.Length);
        Assert.Contains(GetBytes(scrape, "BFsd")!, b => b != 0);
        Assert.DoesNotContain(GetBytes(scrape, "BFpe")!, b => b != 0);
        Assert.True(await node.WaitForAnnounceAsync(infoHash, Wait) is { Seed: true });
        Assert.Equal(1, GetInt(sample, "num"));
        Assert.True(GetInt(sample, "interval") > 0);
        Assert.Equal(infoHash.ToArray(), GetBytes(sample, "samples"));
        node.AssertNoProblems();
        sender.AssertNoComplaints();
    }

    [Fact]
    public async Task RawQueries_Invalid_DhtNetAnswersWithBep5Errors()
    {
        await using var node = await DhtNetPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();
        var id = Id(sender.NodeId);

        // BEP 43: a read-only node is answered but never enters the table; the same node asking
        // without ro does (the table is updated before the reply is sent).
        var readOnly = await sender.QueryAsync(node.EndPoint, "ping", Dictionary(("id", id)), Dictionary(("ro", Int(1))));
        bool heldAfterReadOnly = node.Holds(sender.NodeId);
        await AskAsync(sender, node, "ping", ("id", id));
        bool heldAfterPing = node.Holds(sender.NodeId);
        var unknown = await ErrorAsync(sender, node, "no_such_query", ("id", id));
        var noInfoHash = await ErrorAsync(sender, node, "get_peers", ("id", id));
        var shortId = await ErrorAsync(sender, node, "ping", ("id", Bytes("short"u8)));
        var badToken = await ErrorAsync(sender, node, "announce_peer", ("id", id), ("info_hash", Id(NodeId.Random())), ("port", Int(7002)), ("token", Bytes("nope"u8)));

        Assert.Equal(204, unknown.Code);
        Assert.Equal(203, noInfoHash.Code);
        Assert.Equal(203, shortId.Code);
        Assert.Equal(203, badToken.Code);
        AssertResponse(readOnly.Decode(), node.NodeId, sender.EndPoint, readOnly.TransactionId);
        Assert.False(heldAfterReadOnly);
        Assert.True(heldAfterPing);
        sender.AssertNoComplaints();
    }

    [Fact]
    public async Task Immutable_PutByEachSide_OtherGetsIt()
    {
        byte[] ours = new BencodeList([new BencodeString("from"), new BencodeString("DhtNet")]).Encode();
        byte[] theirs = "from bittorrent-dht"u8.ToArray();
        await using var swarm = await DhtNetSwarm.StartAsync(2);
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);

        var put = await swarm[1].Node.PutAsync(ours);
        var got = await bittorrentDht.GetAsync(put.Target);
        var theirPut = await bittorrentDht.PutImmutableAsync(theirs);
        // A DhtNet node joining afterwards reads it from the nodes that took it.
        await using var reader = await DhtNetPeer.StartAsync([bittorrentDht.EndPoint]);
        var item = await reader.Node.GetAsync(theirPut.Target);

        Assert.Equal(2, put.Stored);
        Assert.NotNull(got);
        Assert.Equal(ours, got.EncodedValue);
        Assert.Null(theirPut.Error);
        Assert.Equal(2, theirPut.Nodes);
        Assert.NotNull(item);
        Assert.Equal(new BencodeString(theirs).Encode(), item.Value.ToArray());
        swarm.AssertNoProblems();
        reader.AssertNoProblems();
        bittorrentDht.AssertNoComplaints();
    }

    [Fact]
    public async Task Mutable_PutByEachSide_OtherGetsNewestAndStaleOrCasIsRefused()
    {
        byte[] seed = Enumerable.Range(40, 32).Select(i => (byte)i).ToArray();
        var keyPair = Ed25519KeyPair.FromSeed(seed);
        byte[] salt = "feed"u8.ToArray();
        var saltedTarget = ItemRules.MutableTarget(keyPair.PublicKey.Span, salt);
        var unsaltedTarget = ItemRules.MutableTarget(keyPair.PublicKey.Span);
        await using var swarm = await DhtNetSwarm.StartAsync(2);
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);

        // DhtNet puts first (seq 0 for a new item), with and without salt.
        var salted = await swarm[1].Node.PutAsync(keyPair, new BencodeString("v0 from DhtNet").Encode(), salt);
        var unsalted = await swarm[1].Node.PutAsync(keyPair, new BencodeInteger(1).Encode());
        var saltedByPeer = await bittorrentDht.GetAsync(saltedTarget, salt);
        var unsaltedByPeer = await bittorrentDht.GetAsync(unsaltedTarget);

        // bittorrent-dht puts a newer seq; DhtNet sees it.
        var newer = await bittorrentDht.PutMutableAsync(seed, "v7 from bittorrent-dht"u8.ToArray(), sequence: 7, salt: salt);
        var newerUnsalted = await bittorrentDht.PutMutableAsync(seed, "unsalted v3"u8.ToArray(), sequence: 3);
        var seen = await swarm[1].Node.GetAsync(saltedTarget, salt);
        var seenUnsalted = await swarm[1].Node.GetAsync(unsaltedTarget);

        // Our nodes refuse its stale seq (302) and wrong cas (301).
        var staleFromPeer = await bittorrentDht.PutMutableAsync(seed, "stale"u8.ToArray(), sequence: 6, salt: salt);
        var casFromPeer = await bittorrentDht.PutMutableAsync(seed, "cas"u8.ToArray(), sequence: 9, salt: salt, cas: 6);

        // bittorrent-dht does not store its own mutable puts (it still holds our seq 0), so DhtNet
        // puts the next seq everywhere first; then the peer refuses our stale seq and wrong cas.
        var next = await swarm[1].Node.PutAsync(keyPair, new BencodeString("v8 from DhtNet").Encode(), salt);
        var staleFromUs = await Assert.ThrowsAsync<DhtPutException>(() => swarm[1].Node.PutAsync(keyPair, new BencodeString("stale").Encode(), salt, sequence: 6));
        var casFromUs = await Assert.ThrowsAsync<DhtPutException>(() => swarm[1].Node.PutAsync(keyPair, new BencodeString("cas").Encode(), salt, sequence: 9, cas: 6));
        var casMatch = await bittorrentDht.PutMutableAsync(seed, "v9 with cas"u8.ToArray(), sequence: 9, salt: salt, cas: 8);
        var final = await swarm[1].Node.GetAsync(saltedTarget, salt);

        Assert.Equal(2, salted.Stored);
        Assert.Equal(2, unsalted.Stored);
        Assert.NotNull(saltedByPeer);
        Assert.Equal(0, saltedByPeer.Sequence);
        Assert.Equal(new BencodeString("v0 from DhtNet").Encode(), saltedByPeer.EncodedValue);
        Assert.Equal(keyPair.PublicKey.ToArray(), saltedByPeer.PublicKey);
        Assert.NotNull(unsaltedByPeer);
        Assert.Equal(new BencodeInteger(1).Encode(), unsaltedByPeer.EncodedValue);

        Assert.Null(newer.Error);
        Assert.Equal(2, newer.Nodes);
        Assert.Null(newerUnsalted.Error);
        Assert.NotNull(seen);
        Assert.Equal(7, seen.Sequence);
        Assert.Equal(new BencodeString("v7 from bittorrent-dht").Encode(), seen.Value.ToArray());
        Assert.NotNull(seenUnsalted);
        Assert.Equal(3, seenUnsalted.Sequence);

        Assert.Contains("302", staleFromPeer.Error, StringComparison.Ordinal);
        Assert.Equal(0, staleFromPeer.Nodes);
        Assert.Contains("301", casFromPeer.Error, StringComparison.Ordinal);
        Assert.Equal(0, casFromPeer.Nodes);
        Assert.Equal(8, next.Sequence);
        Assert.Equal(2, next.Stored);
        Assert.Equal(302, staleFromUs.Code);
        Assert.Equal(2, staleFromUs.Result.Errors.GetValueOrDefault(302));
        Assert.Equal(301, casFromUs.Code);
        Assert.Equal(2, casFromUs.Result.Errors.GetValueOrDefault(301));
        Assert.Null(casMatch.Error);
        Assert.Equal(2, casMatch.Nodes);
        Assert.NotNull(final);
        Assert.Equal(9, final.Sequence);
        Assert.Equal(new BencodeString("v9 with cas").Encode(), final.Value.ToArray());
        swarm.AssertNoProblems();
        bittorrentDht.AssertNoComplaints();
    }

    [Fact]
    public async Task PutSignedAgain_OnBittorrentDhtNodes_CountsTheirRefusalOfTheSameSeqAsHeld()
    {
        var keyPair = Ed25519KeyPair.FromSeed(Enumerable.Range(80, 32).Select(i => (byte)i).ToArray());
        await using var node = await DhtNetPeer.StartAsync();
        await using var first = await BittorrentDhtPeer.StartAsync(bootstrap: [node.EndPoint]);
        await using var second = await BittorrentDhtPeer.StartAsync(bootstrap: [node.EndPoint]);
        var put = await node.Node.PutAsync(keyPair, new BencodeString("kept alive").Encode(), "k"u8.ToArray());

        // What StartPutting does every hour. bittorrent-dht answers 302 to a seq equal to the one
        // it holds (BEP 44 says a node should refresh an identical item); the item is still there.
        var again = await node.Node.PutSignedAsync(put.Item!);
        var item = await first.GetAsync(put.Target, "k"u8.ToArray());

        Assert.Equal(2, put.Stored);
        Assert.Equal(2, again.Stored);
        Assert.Equal(0, again.Errors.GetValueOrDefault(302));
        Assert.Equal(0, item?.Sequence);
        node.AssertNoProblems();
    }

    [Fact]
    public async Task SampleInfohashes_ToBittorrentDht_ReturnsNullForItsSilence()
    {
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var node = await DhtNetPeer.StartAsync([bittorrentDht.EndPoint]);

        // bittorrent-dht has no BEP 51 and drops unknown queries unanswered: we get null after our timeout.
        var sample = await node.Node.SampleInfohashesAsync(bittorrentDht.EndPoint, NodeId.Random());

        Assert.Null(sample);
        Assert.True(node.Holds(bittorrentDht.NodeId), "a silent reply to one query kind must not cost the node its place");
    }

    private static async Task<BencodeDictionary> AskAsync(BittorrentDhtPeer sender, DhtNetPeer node, string method, params (string Key, BencodeValue Value)[] arguments) =>
        await AskAsync(sender, node, method, Dictionary(arguments));

    private static async Task<BencodeDictionary> AskAsync(BittorrentDhtPeer sender, DhtNetPeer node, string method, BencodeDictionary arguments)
    {
        var reply = await sender.QueryAsync(node.EndPoint, method, arguments);
        Assert.False(reply.TimedOut, $"{method}: no answer. {node.Describe()}");
        Assert.NotNull(reply.TransactionId);
        return AssertResponse(reply.Decode(), node.NodeId, sender.EndPoint, reply.TransactionId);
    }

    private static async Task<(long Code, string Text)> ErrorAsync(BittorrentDhtPeer sender, DhtNetPeer node, string method, params (string Key, BencodeValue Value)[] arguments) =>
        await ErrorAsync(sender, node, method, Dictionary(arguments));

    private static async Task<(long Code, string Text)> ErrorAsync(BittorrentDhtPeer sender, DhtNetPeer node, string method, BencodeDictionary arguments)
    {
        var reply = await sender.QueryAsync(node.EndPoint, method, arguments);
        Assert.False(reply.TimedOut, $"{method}: no answer. {node.Describe()}");
        Assert.Equal("e", reply.Type);
        var message = reply.Decode();
        Assert.Equal(reply.TransactionId, GetBytes(message, "t"));
        return Error(message);
    }

    private static BencodeDictionary MutablePut(
        BencodeString id, BencodeString token, Ed25519KeyPair keyPair, byte[] salt, long sequence, byte[] value, long? cas = null, bool corrupt = false)
    {
        byte[] signature = ItemRules.Sign(keyPair, salt, sequence, value);
        if (corrupt)
        {
            signature[0] ^= 1;
        }

        var entries = new List<(string, BencodeValue)>
        {
            ("id", id), ("token", token), ("k", Bytes(keyPair.PublicKey.Span)), ("salt", Bytes(salt)),
            ("seq", Int(sequence)), ("sig", Bytes(signature)), ("v", BencodeValue.Parse(value)),
        };
        if (cas is { } c)
        {
            entries.Add(("cas", Int(c)));
        }

        return Dictionary([.. entries]);
    }
}
