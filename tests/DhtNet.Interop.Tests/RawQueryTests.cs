using DhtNet.Interop.Tests.Harness;

namespace DhtNet.Interop.Tests;

/// <summary>The raw-query channel: what a DhtNet test uses to send each KRPC kind to a node.</summary>
public class RawQueryTests
{
    [Theory]
    [InlineData("ping")]
    [InlineData("find_node")]
    [InlineData("get_peers")]
    [InlineData("get")]
    [InlineData("sample_infohashes")]
    public async Task Query_KindLibtorrentKnows_AnsweredWithItsId(string method)
    {
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();

        var reply = await sender.QueryAsync(libtorrent.EndPoint, method, Arguments(sender.NodeId, method));
        var message = reply.Decode();
        var r = Assert.IsType<BencodeDictionary>(message["r"]);

        Assert.Equal("r", reply.Type);
        Assert.Equal(libtorrent.NodeId.ToArray(), Assert.IsType<BencodeString>(r["id"]).Bytes.ToArray());
    }

    [Fact]
    public async Task Query_AnnouncePeerWithTokenFromGetPeers_StoredByLibtorrent()
    {
        var infoHash = NodeId.Random();
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();

        var getPeers = await sender.QueryAsync(libtorrent.EndPoint, "get_peers", Dictionary(("id", Id(sender.NodeId)), ("info_hash", Id(infoHash))));
        var token = ((BencodeDictionary)getPeers.Decode()["r"]!)["token"]!;
        var announce = await sender.QueryAsync(libtorrent.EndPoint, "announce_peer", Dictionary(
            ("id", Id(sender.NodeId)), ("info_hash", Id(infoHash)), ("port", new BencodeInteger(7777)), ("token", token)));
        var again = await sender.QueryAsync(libtorrent.EndPoint, "get_peers", Dictionary(("id", Id(sender.NodeId)), ("info_hash", Id(infoHash))));

        Assert.Equal("r", announce.Type);
        var values = Assert.IsType<BencodeList>(((BencodeDictionary)again.Decode()["r"]!)["values"]);
        var peer = Assert.IsType<BencodeString>(Assert.Single(values.Items));
        Assert.Equal(new byte[] { 127, 0, 0, 1, 0x1e, 0x61 }, peer.Bytes.ToArray());
    }

    [Fact]
    public async Task Query_AnnouncePeerWithBadToken_LibtorrentAnswersError203()
    {
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();

        var reply = await sender.QueryAsync(libtorrent.EndPoint, "announce_peer", Dictionary(
            ("id", Id(sender.NodeId)), ("info_hash", Id(NodeId.Random())), ("port", new BencodeInteger(7777)), ("token", new BencodeString("bad!"u8))));

        Assert.Equal("e", reply.Type);
        var error = Assert.IsType<BencodeList>(reply.Decode()["e"]);
        Assert.Equal(new BencodeInteger(203), error.Items[0]);
    }

    [Fact]
    public async Task Query_UnknownKind_LibtorrentAnswersErrorButBittorrentDhtStaysSilent()
    {
        await using var libtorrent = await LibtorrentPeer.StartAsync();
        await using var bittorrentDht = await BittorrentDhtPeer.StartAsync();
        await using var sender = await BittorrentDhtPeer.StartAsync();
        var arguments = Dictionary(("id", Id(sender.NodeId)));

        var fromLibtorrent = await sender.QueryAsync(libtorrent.EndPoint, "no_such_query", arguments);
        var fromBittorrentDht = await sender.QueryAsync(bittorrentDht.EndPoint, "no_such_query", arguments);

        // libtorrent 2.0.8 answers an unknown method with 203 (BEP 5 lists 204 "Method Unknown").
        Assert.Equal("e", fromLibtorrent.Type);
        var error = Assert.IsType<BencodeList>(fromLibtorrent.Decode()["e"]);
        Assert.Equal(new BencodeInteger(203), error.Items[0]);
        Assert.Equal(new BencodeString("unknown message"), error.Items[1]);
        Assert.True(fromBittorrentDht.TimedOut);
    }

    [Fact]
    public async Task Query_Traced_ReceiverReportsEachIncomingQuery()
    {
        await using var receiver = await BittorrentDhtPeer.StartAsync(trace: true);
        await using var sender = await BittorrentDhtPeer.StartAsync();

        await sender.QueryAsync(receiver.EndPoint, "find_node", Arguments(sender.NodeId, "find_node"));
        var seen = await receiver.Process.WaitForEventAsync("query", e => e["q"]?.ToString() == "find_node", TimeSpan.FromSeconds(5));

        Assert.Equal(Json.Text(sender.EndPoint), seen["from"]?.ToString());
        var message = (BencodeDictionary)BencodeValue.Parse(Convert.FromBase64String(seen["message"]!.ToString()));
        Assert.Equal(new BencodeString("q"u8), message["y"]);
    }

    [Fact]
    public async Task Query_ToTracedLibtorrent_ReportsBothPackets()
    {
        await using var libtorrent = await LibtorrentPeer.StartAsync(trace: true);
        await using var sender = await BittorrentDhtPeer.StartAsync();

        await sender.QueryAsync(libtorrent.EndPoint, "ping", Arguments(sender.NodeId, "ping"));
        string from = Json.Text(sender.EndPoint);
        var incoming = await libtorrent.Process.WaitForEventAsync("packet", e => e["direction"]?.ToString() == "in" && e["endpoint"]?.ToString() == from, TimeSpan.FromSeconds(5));
        var outgoing = await libtorrent.Process.WaitForEventAsync("packet", e => e["direction"]?.ToString() == "out" && e["endpoint"]?.ToString() == from, TimeSpan.FromSeconds(5));

        var query = (BencodeDictionary)BencodeValue.Parse(Convert.FromBase64String(incoming["bytes"]!.ToString()));
        var response = (BencodeDictionary)BencodeValue.Parse(Convert.FromBase64String(outgoing["bytes"]!.ToString()));
        Assert.Equal(new BencodeString("ping"), query["q"]);
        Assert.Equal(new BencodeString("r"), response["y"]);
        Assert.Equal(query["t"], response["t"]);
    }

    private static BencodeDictionary Arguments(NodeId sender, string method) => method switch
    {
        "ping" => Dictionary(("id", Id(sender))),
        "get_peers" => Dictionary(("id", Id(sender)), ("info_hash", Id(NodeId.Random()))),
        _ => Dictionary(("id", Id(sender)), ("target", Id(NodeId.Random()))),
    };

    private static BencodeString Id(NodeId id) => new(id.ToArray());

    private static BencodeDictionary Dictionary(params (string Key, BencodeValue Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<byte[], BencodeValue>(System.Text.Encoding.ASCII.GetBytes(e.Key), e.Value)));
}
