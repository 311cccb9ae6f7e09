using System.Net;
using System.Text;
using DhtNet.Interop.Tests.Harness;
using static DhtNet.Interop.Tests.Harness.RawKrpc;

namespace DhtNet.Interop.Tests;

/// <summary>DhtNet nodes and libtorrent 2.0.8 sessions in one network on 127.0.0.1.</summary>
public class LibtorrentInteropTests : MixedNetworkTests
{
    [Fact]
    public async Task Bootstrap_MixedNetwork_EachSideHoldsTheOthersNodes()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var first = await LibtorrentPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);
        await using var second = await LibtorrentPeer.StartAsync(bootstrap: [swarm[1].EndPoint]);
        await using var late = await DhtNetPeer.StartAsync([first.EndPoint]);

        // libtorrent pings only the node it was given; a lookup of its own id (what its bucket
        // refresh does, on a slow timer) walks the rest of the network through our replies.
        await first.LookupAsync(first.NodeId);
        await second.LookupAsync(second.NodeId);
        var everyDhtNetNode = swarm.Nodes.Select(n => n.NodeId).Append(late.NodeId).ToArray();
        await first.WaitForNodesAsync(everyDhtNetNode);
        await second.WaitForNodesAsync(everyDhtNetNode);

        foreach (var node in swarm.Nodes)
        {
            await node.WaitForNodeAsync(first.NodeId, Wait);
            await node.WaitForNodeAsync(second.NodeId, Wait);
        }

        // The DhtNet node that knew only a libtorrent node met the others through its replies.
        AssertHoldsAll(late, [first.NodeId, .. swarm.Nodes.Select(n => n.NodeId)]);
        swarm.AssertNoProblems();
        late.AssertNoProblems();
        first.AssertNoComplaints();
        second.AssertNoComplaints();
    }

    [Fact]
    public async Task FindProviders_LibtorrentAnnounced_FindsItsListenPort()
    {
        var infoHash = NodeId.Random();
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);

        var announce = await libtorrent.AnnounceAsync(infoHash);
        var received = await swarm[0].WaitForAnnounceAsync(infoHash, Wait);
        var found = await swarm[2].FindProvidersAsync(infoHash);

        // libtorrent sends implied_port=1: the peer stored is its DHT socket, which is also its listen port.
        Assert.True(announce.Nodes >= 3, $"announce_peer sent to {announce.Nodes} nodes");
        Assert.Equal(libtorrent.EndPoint, received.Peer);
        Assert.False(received.Seed);
        Assert.Contains(libtorrent.EndPoint, found);
        swarm.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task Lookup_ByLibtorrent_FindsWhatDhtNetProvided()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [swarm[0].EndPoint]);

        // The other two DhtNet nodes and libtorrent accept the announce.
        await ProvideThenLookupAsync(swarm[1], port: 40003, expectedStored: 3, announcedTo: libtorrent, seeker: libtorrent);
        swarm.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task QueryAndFindPeer_ThroughLibtorrentChain_ReturnTheirNodes()
    {
        // Each libtorrent session knows only the one it bootstrapped off: far <- middle <- entry.
        await using var far = await LibtorrentPeer.StartAsync();
        await using var middle = await LibtorrentPeer.StartAsync(bootstrap: [far.EndPoint]);
        await using var entry = await LibtorrentPeer.StartAsync(bootstrap: [middle.EndPoint]);
        await using var node = await DhtNetPeer.StartAsync([entry.EndPoint]);

        await QueryThenFindPeerAsync(node, far, [far.NodeId, middle.NodeId, entry.NodeId]);
    }

    [Fact]
    public async Task Sample_ByLibtorrent_ReturnsInfohashesDhtNetStores()
    {
        var infoHashes = new[] { NodeId.Random(), NodeId.Random(), NodeId.Random() };
        await using var holder = await DhtNetPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [holder.EndPoint]);
        foreach (var infoHash in infoHashes)
        {
            await libtorrent.AnnounceAsync(infoHash);
            await holder.WaitForAnnounceAsync(infoHash, Wait);
        }

        var sample = await libtorrent.SampleAsync(holder.EndPoint, NodeId.Random());

        // Many more than fit in one datagram: the reply carries as many as fit, and libtorrent takes it.
        await using var provider = await DhtNetPeer.StartAsync([holder.EndPoint]);
        var more = Enumerable.Range(0, 97).Select(_ => NodeId.Random()).ToArray();
        var provided = await provider.Node.ProvideAsync(more, 40008);
        var full = await libtorrent.SampleAsync(holder.EndPoint, NodeId.Random());

        Assert.NotNull(sample);
        Assert.Equal(3, sample.Num);
        Assert.Equal(infoHashes.Order(), sample.Samples.Order());
        Assert.True(sample.Interval > 0);
        Assert.Contains(sample.Nodes, n => n.Id == libtorrent.NodeId && n.EndPoint.Equals(libtorrent.EndPoint));
        Assert.All(provided, p => Assert.True(p.Stored >= 1));
        Assert.NotNull(full);
        Assert.Equal(100, full.Num);
        Assert.True(full.Samples.Count >= 20, $"{full.Samples.Count} samples");
        Assert.Equal(full.Samples.Count, full.Samples.Distinct().Count());
        Assert.Subset(infoHashes.Concat(more).ToHashSet(), full.Samples.ToHashSet());
        holder.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task Items_AtBep44SizeLimits_TravelBothWays()
    {
        byte[] seed = Enumerable.Range(60, 32).Select(i => (byte)i).ToArray();
        var keyPair = Ed25519KeyPair.FromSeed(seed);
        // ASCII: the Python bindings hand the salt of an alert over as UTF-8 text.
        byte[] salt = Enumerable.Range(0, ItemRules.MaxSaltSize).Select(i => (byte)('a' + (i % 26))).ToArray();
        byte[] largest = new BencodeString(Enumerable.Range(0, 996).Select(i => (byte)i).ToArray()).Encode();
        Assert.Equal(ItemRules.MaxValueSize, largest.Length);
        await using var node = await DhtNetPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [node.EndPoint]);

        var immutable = await node.Node.PutAsync(largest);
        var immutableByLibtorrent = await libtorrent.GetImmutableAsync(immutable.Target);
        var mutable = await node.Node.PutAsync(keyPair, largest, salt);
        var mutableByLibtorrent = await libtorrent.GetMutableAsync(keyPair.PublicKey, salt);
        var theirs = await libtorrent.PutMutableAsync(seed, largest[4..], salt);
        var theirsByUs = await node.Node.GetAsync(ItemRules.MutableTarget(keyPair.PublicKey.Span, salt), salt);

        Assert.Equal(1, immutable.Stored);
        Assert.Equal(largest, immutableByLibtorrent?.EncodedValue);
        Assert.Equal(1, mutable.Stored);
        Assert.Equal(largest, mutableByLibtorrent?.EncodedValue);
        Assert.Equal(1, theirs.Sequence);
        Assert.NotNull(theirsByUs);
        Assert.Equal(1, theirsByUs.Sequence);
        Assert.Equal(largest, theirsByUs.Value.ToArray());
        node.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task Scrape_SameAnnouncesToLibtorrentAndDhtNet_BloomFiltersAreIdentical()
    {
        var infoHash = NodeId.Random();
        await using var node = await DhtNetPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        var announcers = new List<BittorrentDhtPeer>();
        try
        {
            // Five peers on five loopback addresses (BEP 33 filters count addresses): two seeds.
            for (int i = 0; i < 5; i++)
            {
                var announcer = await BittorrentDhtPeer.StartAsync(host: IPAddress.Parse($"127.0.0.{i + 2}"));
                announcers.Add(announcer);
                await AnnounceRawAsync(announcer, node.EndPoint, infoHash, 6881, seed: i < 2);
                await AnnounceRawAsync(announcer, libtorrent.EndPoint, infoHash, 6881, seed: i < 2);
            }

            var asker = announcers[0];
            var fromDhtNet = AssertResponse((await asker.QueryAsync(node.EndPoint, "get_peers", ScrapeArguments(asker, infoHash))).Decode(), node.NodeId, asker.EndPoint);
            var fromLibtorrent = (BencodeDictionary)(await asker.QueryAsync(libtorrent.EndPoint, "get_peers", ScrapeArguments(asker, infoHash))).Decode()["r"]!;

            Assert.Contains(GetBytes(fromDhtNet, "BFsd")!, b => b != 0);
            Assert.Contains(GetBytes(fromDhtNet, "BFpe")!, b => b != 0);
            Assert.Equal(GetBytes(fromLibtorrent, "BFsd"), GetBytes(fromDhtNet, "BFsd"));
            Assert.Equal(GetBytes(fromLibtorrent, "BFpe"), GetBytes(fromDhtNet, "BFpe"));

            // A DhtNet scrape through libtorrent alone counts the same two seeds and three downloaders.
            await using var scraper = await DhtNetPeer.StartAsync([libtorrent.EndPoint]);
            var scrape = await scraper.Node.ScrapeAsync(infoHash);
            Assert.Equal(2, scrape.Seeds);
            Assert.Equal(3, scrape.Peers);
            // Both store one entry per address. libtorrent answers a scrape with the filters alone;
            // we add the values as well (BEP 33 allows either).
            var announced = announcers.Select(a => new IPEndPoint(a.EndPoint.Address, 6881)).ToArray();
            Assert.Empty(Values(fromLibtorrent));
            Assert.Equal(announced, Values(fromDhtNet).Order(EndPointOrder.Instance));
            var plain = (BencodeDictionary)(await asker.QueryAsync(libtorrent.EndPoint, "get_peers", Dictionary(("id", Id(asker.NodeId)), ("info_hash", Id(infoHash))))).Decode()["r"]!;
            Assert.Equal(announced, Values(plain).Order(EndPointOrder.Instance));
            node.AssertNoProblems();
        }
        finally
        {
            foreach (var announcer in announcers)
            {
                await announcer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Traffic_LibtorrentUsingDhtNetNodes_EveryReplyAccepted()
    {
        var infoHash = NodeId.Random();
        await using var swarm = await DhtNetSwarm.StartAsync(3);
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [swarm[0].EndPoint], trace: true);

        await libtorrent.LookupAsync(libtorrent.NodeId);
        await libtorrent.AnnounceAsync(infoHash);
        Assert.Contains(libtorrent.EndPoint, await libtorrent.LookupAsync(infoHash));
        var immutable = await libtorrent.PutImmutableAsync(Encoding.UTF8.GetBytes("immutable from libtorrent"));
        Assert.NotNull(await libtorrent.GetImmutableAsync(immutable.Target));
        var seed = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        var mutable = await libtorrent.PutMutableAsync(seed, Encoding.UTF8.GetBytes("mutable from libtorrent"), "salt"u8.ToArray());
        Assert.NotNull(await libtorrent.GetMutableAsync(mutable.PublicKey!, "salt"u8.ToArray()));
        Assert.NotNull(await libtorrent.SampleAsync(swarm[2].EndPoint, NodeId.Random()));

        var (kinds, problems, _) = CheckReplies(libtorrent, swarm);
        Assert.Empty(problems);
        Assert.Superset(new SortedSet<string>(["get_peers", "announce_peer", "get", "put", "sample_infohashes"], StringComparer.Ordinal), kinds);
        libtorrent.AssertNoComplaints();
        swarm.AssertNoProblems();
    }

    [Fact]
    public async Task Immutable_PutByDhtNet_LibtorrentGetsIt()
    {
        byte[] value = new BencodeString("immutable from DhtNet").Encode();
        await using var writer = await DhtNetPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [writer.EndPoint]);

        var put = await writer.Node.PutAsync(value);
        var item = await libtorrent.GetImmutableAsync(put.Target);

        Assert.Equal(ItemRules.ImmutableTarget(value), put.Target);
        Assert.Equal(1, put.Stored);
        Assert.NotNull(item);
        Assert.Equal(value, item.EncodedValue);
        writer.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task Immutable_PutByLibtorrent_DhtNetGetsIt()
    {
        var value = new BencodeDictionary([
            new KeyValuePair<byte[], BencodeValue>("list"u8.ToArray(), new BencodeList([new BencodeInteger(-1), new BencodeString([0, 1, 255])])),
            new KeyValuePair<byte[], BencodeValue>("n"u8.ToArray(), new BencodeInteger(42)),
        ]);
        await using var holder = await LibtorrentPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [holder.EndPoint]);
        var put = await libtorrent.PutImmutableAsync(value);

        // A DhtNet node that joins afterwards can only read it from the libtorrent nodes.
        await using var reader = await DhtNetPeer.StartAsync([libtorrent.EndPoint]);
        var item = await reader.Node.GetAsync(put.Target);

        Assert.True(put.Nodes >= 1);
        Assert.NotNull(item);
        Assert.False(item.IsMutable);
        Assert.Equal(value.Encode(), item.Value.ToArray());
        Assert.True(item.Statistics.Answered >= 1);
        reader.AssertNoProblems();
    }

    [Fact]
    public async Task Mutable_PutByEachSide_OtherGetsNewestAndStaleOrCasIsRefused()
    {
        byte[] seed = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();
        var keyPair = Ed25519KeyPair.FromSeed(seed);
        byte[] salt = "profile"u8.ToArray();
        await using var node = await DhtNetPeer.StartAsync();
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [node.EndPoint]);

        // DhtNet puts first, with and without salt; a new item starts at seq 0.
        var salted = await node.Node.PutAsync(keyPair, new BencodeString("v1 from DhtNet").Encode(), salt);
        var unsalted = await node.Node.PutAsync(keyPair, new BencodeString("unsalted from DhtNet").Encode());
        var saltedByLibtorrent = await libtorrent.GetMutableAsync(keyPair.PublicKey, salt);
        var unsaltedByLibtorrent = await libtorrent.GetMutableAsync(keyPair.PublicKey);

        // libtorrent puts the next seq (it reads the current one first); DhtNet sees the newer item.
        var newer = await libtorrent.PutMutableAsync(seed, "v2 from libtorrent"u8.ToArray(), salt);
        var newerUnsalted = await libtorrent.PutMutableAsync(seed, "unsalted from libtorrent"u8.ToArray());
        var seen = await node.Node.GetAsync(ItemRules.MutableTarget(keyPair.PublicKey.Span, salt), salt);
        var seenUnsalted = await node.Node.GetAsync(ItemRules.MutableTarget(keyPair.PublicKey.Span));

        // Putting an older seq, or a cas that is not the stored seq, is refused by libtorrent too.
        var stale = await Assert.ThrowsAsync<DhtPutException>(() => node.Node.PutAsync(keyPair, new BencodeString("stale").Encode(), salt, sequence: 0));
        var casMismatch = await Assert.ThrowsAsync<DhtPutException>(() => node.Node.PutAsync(keyPair, new BencodeString("cas").Encode(), salt, sequence: 5, cas: 0));
        var casMatch = await node.Node.PutAsync(keyPair, new BencodeString("v3 from DhtNet").Encode(), salt, sequence: 5, cas: 1);
        var final = await libtorrent.GetMutableAsync(keyPair.PublicKey, salt);
        // Re-putting the same item (what StartPutting does hourly): libtorrent takes the equal seq as a refresh.
        var again = await node.Node.PutSignedAsync(casMatch.Item!);

        Assert.Equal(1, salted.Stored);
        Assert.Equal(0, salted.Sequence);
        Assert.Equal(1, unsalted.Stored);
        Assert.NotNull(saltedByLibtorrent);
        Assert.Equal(0, saltedByLibtorrent.Sequence);
        Assert.Equal(new BencodeString("v1 from DhtNet").Encode(), saltedByLibtorrent.EncodedValue);
        Assert.True(ItemRules.VerifySignature(keyPair.PublicKey.Span, salt, 0, saltedByLibtorrent.EncodedValue, saltedByLibtorrent.Signature));
        Assert.NotNull(unsaltedByLibtorrent);
        Assert.Equal(new BencodeString("unsalted from DhtNet").Encode(), unsaltedByLibtorrent.EncodedValue);

        Assert.Equal(1, newer.Sequence);
        Assert.True(newer.Nodes >= 1, $"libtorrent stored on {newer.Nodes} nodes");
        Assert.Equal(1, newerUnsalted.Sequence);
        Assert.NotNull(seen);
        Assert.Equal(1, seen.Sequence);
        Assert.Equal(new BencodeString("v2 from libtorrent").Encode(), seen.Value.ToArray());
        Assert.Equal(newer.Signature, seen.Signature.ToArray());
        Assert.NotNull(seenUnsalted);
        Assert.Equal(1, seenUnsalted.Sequence);

        Assert.Equal(302, stale.Code);
        Assert.Equal(1, stale.Result.Errors.GetValueOrDefault(302));
        Assert.Equal(301, casMismatch.Code);
        Assert.Equal(1, casMismatch.Result.Errors.GetValueOrDefault(301));
        Assert.Equal(1, casMatch.Stored);
        Assert.NotNull(final);
        Assert.Equal(5, final.Sequence);
        Assert.Equal(new BencodeString("v3 from DhtNet").Encode(), final.EncodedValue);
        Assert.Equal(1, again.Stored);
        Assert.Empty(again.Errors);
        node.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task SampleAndScrape_ByDhtNet_ReadLibtorrentsStore()
    {
        var infoHashes = new[] { NodeId.Random(), NodeId.Random() };
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var node = await DhtNetPeer.StartAsync([libtorrent.EndPoint]);
        foreach (var infoHash in infoHashes)
        {
            var provided = await node.Node.ProvideAsync(infoHash, 40005, seed: true);
            Assert.Equal(1, provided.Stored);
        }

        var sample = await node.Node.SampleInfohashesAsync(libtorrent.EndPoint, NodeId.Random());
        var scrape = await node.Node.ScrapeAsync(infoHashes[0]);

        Assert.NotNull(sample);
        Assert.Equal(libtorrent.NodeId, sample.Responder.Id);
        Assert.Equal(2, sample.Num);
        Assert.Equal(infoHashes.Order(), sample.Samples.Order());
        Assert.True(sample.Interval > 0);
        Assert.Contains(sample.Nodes, n => n.Id == node.NodeId);
        // libtorrent's filters hold our address as a seed.
        Assert.Equal(1, scrape.Seeds);
        Assert.Equal(0, scrape.Peers);
        Assert.Equal(1, scrape.Responders);
        node.AssertNoProblems();
    }

    [Fact]
    public async Task Ipv6_MixedNetworkOnLoopback_NodesAndPeersTravelAsNodes6AndLongValues()
    {
        var announced = NodeId.Random();
        var provided = NodeId.Random();
        await using var swarm = await DhtNetSwarm.StartAsync(3, address: IPAddress.IPv6Loopback);
        await using var libtorrent = await LibtorrentPeer.StartAsync(bootstrap: [swarm[0].EndPoint], host: IPAddress.IPv6Loopback, trace: true);

        // libtorrent can meet the other DhtNet nodes only through the nodes6 of our replies.
        await libtorrent.LookupAsync(libtorrent.NodeId);
        await libtorrent.WaitForNodesAsync(swarm.Nodes.Select(n => n.NodeId));
        await libtorrent.AnnounceAsync(announced);
        var found = await swarm[2].FindProvidersAsync(announced);
        var provide = await swarm[1].Node.ProvideAsync(provided, 40006);
        var peers = await libtorrent.LookupAsync(provided);
        var query = await swarm[2].Node.QueryAsync(libtorrent.NodeId);
        var (kinds, problems, replies) = CheckReplies(libtorrent, swarm);

        Assert.Contains(libtorrent.EndPoint, found);
        Assert.Equal(3, provide.Stored);
        Assert.Contains(new IPEndPoint(IPAddress.IPv6Loopback, 40006), peers);
        Assert.Equal(libtorrent.NodeId, query.Nodes[0].Id);
        Assert.Equal(libtorrent.EndPoint, query.Nodes[0].EndPoint);
        Assert.Empty(problems);
        Assert.Contains("get_peers", kinds);
        // BEP 32: an IPv6 asker without 'want' gets nodes6 (and no IPv4 nodes); ip is 18 bytes.
        Assert.All(replies, r => Assert.Equal(18, GetBytes(r, "ip")!.Length));
        Assert.Contains(replies, r => Nodes6(Body(r)).Count > 0);
        Assert.All(replies, r => Assert.Empty(Nodes(Body(r))));
        swarm.AssertNoProblems();
        libtorrent.AssertNoComplaints();
    }

    [Fact]
    public async Task ReadOnly_Bep43BothWays_AnsweredButNeverAddedToTheTable()
    {
        await using var swarm = await DhtNetSwarm.StartAsync(2);
        await using var readOnlyLibtorrent = await LibtorrentPeer.StartAsync(bootstrap: [swarm[0].EndPoint], readOnly: true);
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var readOnlyNode = await DhtNetPeer.StartAsync([libtorrent.EndPoint], template: new DhtOptions { ReadOnly = true });
        await using var node = await DhtNetPeer.StartAsync([libtorrent.EndPoint]);

        // The read-only libtorrent session gets answers from us (its lookup walks our nodes), but
        // our nodes never add it.
        await readOnlyLibtorrent.LookupAsync(readOnlyLibtorrent.NodeId);
        var readOnlyTable = await readOnlyLibtorrent.WaitForNodesAsync(swarm.Nodes.Select(n => n.NodeId));
        // libtorrent answers our read-only node and adds the ordinary one, not the read-only one.
        var query = await readOnlyNode.Node.QueryAsync(libtorrent.NodeId);
        var libtorrentTable = await libtorrent.WaitForNodesAsync([node.NodeId]);

        Assert.Equal(2, readOnlyTable.Count);
        Assert.All(swarm.Nodes, n => Assert.False(n.Holds(readOnlyLibtorrent.NodeId), n.Describe()));
        Assert.Equal(libtorrent.NodeId, query.Nodes[0].Id);
        Assert.DoesNotContain(libtorrentTable, n => n.Id == readOnlyNode.NodeId);
        Assert.Equal(0, readOnlyNode.Node.Dispatcher!.ResponsesSent);
        swarm.AssertNoProblems();
        readOnlyNode.AssertNoProblems();
        readOnlyLibtorrent.AssertNoComplaints();
    }

    /// <summary>
    /// Pairs every query a traced libtorrent session sent to one of <paramref name="swarm"/>'s
    /// nodes with the reply it received (same endpoint and t) and checks each reply.
    /// </summary>
    private static (SortedSet<string> Kinds, List<string> Problems, List<BencodeDictionary> Replies) CheckReplies(LibtorrentPeer libtorrent, DhtNetSwarm swarm)
    {
        var ours = swarm.Nodes.ToDictionary(n => Json.Text(n.EndPoint), n => n.NodeId);
        var packets = libtorrent.Process.Events.Snapshot()
            .Where(e => e["event"]?.ToString() == "packet" && ours.ContainsKey(e["endpoint"]!.ToString()))
            .Select(e => (Out: e["direction"]!.ToString() == "out", EndPoint: e["endpoint"]!.ToString(), Message: (BencodeDictionary)BencodeValue.Parse(Convert.FromBase64String(e["bytes"]!.ToString()))))
            .ToList();
        var kinds = new SortedSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var replies = new List<BencodeDictionary>();
        foreach (var query in packets.Where(p => p.Out && GetBytes(p.Message, "y") is [(byte)'q']))
        {
            string method = Encoding.ASCII.GetString(GetBytes(query.Message, "q")!);
            byte[] t = GetBytes(query.Message, "t")!;
            kinds.Add(method);
            var reply = packets.FirstOrDefault(p => !p.Out && p.EndPoint == query.EndPoint && GetBytes(p.Message, "t") is { } rt && rt.AsSpan().SequenceEqual(t));
            if (reply.Message is null)
            {
                problems.Add($"{method} to {query.EndPoint}: no reply");
                continue;
            }

            replies.Add(reply.Message);
            problems.AddRange(ResponseProblems(reply.Message, ours[query.EndPoint], libtorrent.EndPoint, t).Select(p => $"{method} to {query.EndPoint}: {p}"));
        }

        if (kinds.Count == 0)
        {
            problems.Add("libtorrent sent no query to a DhtNet node");
        }

        return (kinds, problems, replies);
    }

    private static BencodeDictionary ScrapeArguments(BittorrentDhtPeer asker, NodeId infoHash) =>
        Dictionary(("id", Id(asker.NodeId)), ("info_hash", Id(infoHash)), ("scrape", Int(1)));

    private static async Task AnnounceRawAsync(BittorrentDhtPeer announcer, IPEndPoint to, NodeId infoHash, int port, bool seed)
    {
        var id = Id(announcer.NodeId);
        var getPeers = await announcer.QueryAsync(to, "get_peers", Dictionary(("id", id), ("info_hash", Id(infoHash))));
        var token = ((BencodeDictionary)getPeers.Decode()["r"]!)["token"]!;
        var announce = await announcer.QueryAsync(to, "announce_peer", Dictionary(
            ("id", id), ("info_hash", Id(infoHash)), ("port", Int(port)), ("token", token), ("seed", Int(seed ? 1 : 0))));
        Assert.Equal("r", announce.Type);
    }

    private sealed class EndPointOrder : IComparer<IPEndPoint>
    {
        public static readonly EndPointOrder Instance = new();

        public int Compare(IPEndPoint? x, IPEndPoint? y) =>
            string.CompareOrdinal(x?.ToString(), y?.ToString());
    }
}
