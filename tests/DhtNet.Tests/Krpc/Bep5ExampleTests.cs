using System.Net;
using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

public class Bep5ExampleTests
{
    [Theory]
    [MemberData(nameof(KrpcTestData.Bep5Examples), MemberType = typeof(KrpcTestData))]
    public void Decode_Bep5Example_EncodesBackToSameBytes(string bencoded, object? expectedMethod)
    {
        // object: xunit needs public test methods, and the KRPC types are internal.
        var method = (KrpcMethod?)expectedMethod;
        var message = DecodeOk(Bytes(bencoded), method);
        Assert.Equal(bencoded, Text(Encode(message)));
    }

    [Fact]
    public void Decode_Bep5Error_HasCodeAndMessage()
    {
        var error = Assert.IsType<KrpcError>(DecodeOk(Bytes("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee")));
        Assert.Equal(KrpcErrorCode.Generic, error.Code);
        Assert.Equal("A Generic Error Ocurred", error.Message);
        Assert.Equal("aa", Text(error.TransactionId.Span));
    }

    [Fact]
    public void Decode_Bep5Ping_IsPingQueryAndResponse()
    {
        var query = Assert.IsType<PingQuery>(DecodeOk(Bytes("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe")));
        Assert.Equal(Id("abcdefghij0123456789"), query.SenderId);
        Assert.Equal(KrpcMethod.Ping, query.Method);
        Assert.Equal("aa", Text(query.TransactionId.Span));
        Assert.False(query.ReadOnly);
        Assert.True(query.Version.IsEmpty);

        var response = Assert.IsType<PingResponse>(DecodeOk(Bytes("d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re"), KrpcMethod.Ping));
        Assert.Equal(Id("mnopqrstuvwxyz123456"), response.SenderId);
        Assert.Null(response.RequesterEndPoint);
    }

    [Fact]
    public void Decode_Bep5FindNode_HasTargetAndNodesWithoutPartialEntry()
    {
        var query = Assert.IsType<FindNodeQuery>(DecodeOk(Bytes(
            "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe")));
        Assert.Equal(Id("abcdefghij0123456789"), query.SenderId);
        Assert.Equal(Id("mnopqrstuvwxyz123456"), query.Target);
        Assert.Equal(KrpcWant.None, query.Want);

        // "def456..." is 9 bytes: no whole 26-byte entry, and no crash.
        var response = Assert.IsType<FindNodeResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re"), KrpcMethod.FindNode));
        Assert.Equal(Id("0123456789abcdefghij"), response.SenderId);
        Assert.Empty(response.Nodes);
        Assert.Empty(response.Nodes6);
    }

    [Fact]
    public void Decode_Bep5GetPeers_HasInfoHashTokenAndValues()
    {
        var query = Assert.IsType<GetPeersQuery>(DecodeOk(Bytes(
            "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe")));
        Assert.Equal(Id("mnopqrstuvwxyz123456"), query.InfoHash);
        Assert.False(query.Scrape);
        Assert.False(query.NoSeed);

        var withValues = Assert.IsType<GetPeersResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re"), KrpcMethod.GetPeers));
        Assert.Equal("aoeusnth", Text(withValues.Token.Span));
        Assert.Equal(
            [new IPEndPoint(IPAddress.Parse("97.120.106.101"), ('.' << 8) | 'u'), new IPEndPoint(IPAddress.Parse("105.100.104.116"), ('n' << 8) | 'm')],
            withValues.Values);
        Assert.Empty(withValues.Nodes);

        var withNodes = Assert.IsType<GetPeersResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re"), KrpcMethod.GetPeers));
        Assert.Equal("aoeusnth", Text(withNodes.Token.Span));
        Assert.Empty(withNodes.Values);
        Assert.Empty(withNodes.Nodes);
    }

    [Fact]
    public void Decode_Bep5AnnouncePeer_HasPortTokenAndImpliedPort()
    {
        var query = Assert.IsType<AnnouncePeerQuery>(DecodeOk(Bytes(
            "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe")));
        Assert.Equal(Id("abcdefghij0123456789"), query.SenderId);
        Assert.Equal(Id("mnopqrstuvwxyz123456"), query.InfoHash);
        Assert.Equal(6881, query.Port);
        Assert.True(query.ImpliedPort);
        Assert.False(query.Seed);
        Assert.Equal("aoeusnth", Text(query.Token.Span));

        var response = Assert.IsType<AnnouncePeerResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re"), KrpcMethod.AnnouncePeer));
        Assert.Equal(Id("mnopqrstuvwxyz123456"), response.SenderId);
    }

    [Fact]
    public void Encode_ConstructedBep5Messages_MatchTheSpecBytes()
    {
        var t = Bytes("aa");
        Assert.Equal(
            "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
            Text(Encode(new PingQuery(Id("abcdefghij0123456789")) { TransactionId = t })));
        Assert.Equal(
            "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re",
            Text(Encode(new GetPeersResponse(Id("abcdefghij0123456789"), Bytes("aoeusnth"))
            {
                TransactionId = t,
                Values = [new IPEndPoint(IPAddress.Parse("97.120.106.101"), 11893), new IPEndPoint(IPAddress.Parse("105.100.104.116"), 28269)],
            })));
        Assert.Equal(
            "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
            Text(Encode(new AnnouncePeerQuery(Id("abcdefghij0123456789"), Id("mnopqrstuvwxyz123456"), 6881, Bytes("aoeusnth"))
            {
                TransactionId = t,
                ImpliedPort = true,
            })));
        Assert.Equal(
            "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
            Text(Encode(new KrpcError(KrpcErrorCode.Generic, "A Generic Error Ocurred") { TransactionId = t })));
    }

    [Fact]
    public void Encode_FindNodeAnswerFromEmptyTable_KeepsAnEmptyNodesKey()
    {
        // BEP 5's find_node answer always has "nodes"; knowing nobody is an empty string, not a missing key.
        Assert.Equal(
            "d1:rd2:id20:abcdefghij01234567895:nodes0:e1:t2:aa1:y1:re",
            Text(Encode(new FindNodeResponse(Id("abcdefghij0123456789"), []) { TransactionId = Bytes("aa") })));
    }
}
