using System.Net;
using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

public class KrpcDecodeRulesTests
{
    private const string IdArg = "2:id20:abcdefghij0123456789";

    [Fact]
    public void DecodeQuery_UnknownMethodWithTarget_IsFindNode()
    {
        var query = Assert.IsType<FindNodeQuery>(DecodeOk(Bytes($"d1:ad{IdArg}6:target20:mnopqrstuvwxyz1234564:wantl2:n6ee1:q5:vote21:t2:aa1:y1:qe")));
        Assert.Equal(Id("mnopqrstuvwxyz123456"), query.Target);
        Assert.Equal(KrpcWant.N6, query.Want);
    }

    [Fact]
    public void DecodeQuery_UnknownMethodWithInfoHashOnly_IsFindNodeOnTheInfoHash()
    {
        var query = Assert.IsType<FindNodeQuery>(DecodeOk(Bytes($"d1:ad{IdArg}9:info_hash20:mnopqrstuvwxyz123456e1:q6:scrape1:t2:aa1:y1:qe")));
        Assert.Equal(Id("mnopqrstuvwxyz123456"), query.Target);
    }

    [Theory]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:aa1:y1:qe")]
    [InlineData("d1:q4:vote1:t2:aa1:y1:qe")]
    public void DecodeQuery_UnknownMethodWithoutTarget_Answers204(string datagram)
    {
        var result = KrpcCodec.Decode(Bytes(datagram));
        Assert.False(result.IsSuccess);
        Assert.Equal((KrpcErrorCode.MethodUnknown, "method unknown", "aa"), (result.ErrorReply!.Code, result.ErrorReply.Message, Text(result.ErrorReply.TransactionId.Span)));
    }

    [Theory]
    [InlineData("d1:ade1:q4:ping1:t2:aa1:y1:qe", "missing argument 'id'")]
    [InlineData("d1:q4:ping1:t2:aa1:y1:qe", "missing argument 'id'")]
    [InlineData("d1:ai5e1:q4:ping1:t2:aa1:y1:qe", "'a' must be a dictionary")]
    [InlineData("d1:ad2:idi5ee1:q4:ping1:t2:aa1:y1:qe", "argument 'id' must be a byte string")]
    [InlineData("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe", "argument 'id' must be 20 bytes")]
    [InlineData("d1:ad" + IdArg + "e1:q9:find_node1:t2:aa1:y1:qe", "missing argument 'target'")]
    [InlineData("d1:ad" + IdArg + "6:target3:abc4:wantl2:n4ee1:q9:find_node1:t2:aa1:y1:qe", "argument 'target' must be 20 bytes")]
    [InlineData("d1:ad" + IdArg + "6:target20:mnopqrstuvwxyz1234564:want2:n4e1:q9:find_node1:t2:aa1:y1:qe", "argument 'want' must be a list")]
    [InlineData("d1:ad" + IdArg + "e1:q9:get_peers1:t2:aa1:y1:qe", "missing argument 'info_hash'")]
    [InlineData("d1:ad" + IdArg + "9:info_hash20:mnopqrstuvwxyz1234566:scrape1:1e1:q9:get_peers1:t2:aa1:y1:qe", "argument 'scrape' must be an integer")]
    [InlineData("d1:ad" + IdArg + "9:info_hash20:mnopqrstuvwxyz1234565:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe", "missing argument 'port'")]
    [InlineData("d1:ad" + IdArg + "9:info_hash20:mnopqrstuvwxyz1234564:porti-1e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe", "argument 'port' must be an integer 0..65535")]
    [InlineData("d1:ad" + IdArg + "9:info_hash20:mnopqrstuvwxyz1234564:port4:68815:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe", "argument 'port' must be an integer 0..65535")]
    [InlineData("d1:ad" + IdArg + "9:info_hash20:mnopqrstuvwxyz1234564:porti6881ee1:q13:announce_peer1:t2:aa1:y1:qe", "missing argument 'token'")]
    [InlineData("d1:ad" + IdArg + "6:target20:mnopqrstuvwxyz1234563:seq1:1e1:q3:get1:t2:aa1:y1:qe", "argument 'seq' must be an integer")]
    [InlineData("d1:ad" + IdArg + "5:token1:xe1:q3:put1:t2:aa1:y1:qe", "missing argument 'v'")]
    [InlineData("d1:ad" + IdArg + "1:v1:xe1:q3:put1:t2:aa1:y1:qe", "missing argument 'token'")]
    [InlineData("d1:ad" + IdArg + "1:k3:abc5:token1:x1:v1:xe1:q3:put1:t2:aa1:y1:qe", "argument 'k' must be 32 bytes")]
    [InlineData("d1:ad" + IdArg + "1:k32:KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK3:seqi1e5:token1:x1:v1:xe1:q3:put1:t2:aa1:y1:qe", "missing argument 'sig'")]
    [InlineData("d1:ad" + IdArg + "1:k32:KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK5:token1:x1:v1:xe1:q3:put1:t2:aa1:y1:qe", "missing argument 'seq'")]
    [InlineData("d1:ad" + IdArg + "5:token1:x1:vd1:bi1e1:ai2eee1:q3:put1:t2:aa1:y1:qe", "argument 'v' must be canonical bencode")]
    [InlineData("d1:ad" + IdArg + "e1:q17:sample_infohashes1:t2:aa1:y1:qe", "missing argument 'target'")]
    [InlineData("d1:ad" + IdArg + "e1:t2:aa1:y1:qe", "missing 'q'")]
    [InlineData("d1:ad" + IdArg + "e1:q4:ping1:t2:aa1:y1:xe", "'y' must be q, r or e")]
    [InlineData("d1:ad" + IdArg + "e1:q4:ping1:t2:aae", "missing 'y'")]
    [InlineData("d1:t2:aa1:y1:q1:q4:ping1:ad2:id20:abcdefghij0123", "invalid bencode")]
    public void DecodeQuery_BadArguments_Answers203NamingTheProblem(string datagram, string message)
    {
        var result = KrpcCodec.Decode(Bytes(datagram));
        Assert.False(result.IsSuccess);
        Assert.NotNull(result.ErrorReply);
        Assert.Equal((KrpcErrorCode.Protocol, message, "aa"), (result.ErrorReply.Code, result.ErrorReply.Message, Text(result.ErrorReply.TransactionId.Span)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("le")]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe")] // no t
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:ti5e1:y1:qe")] // t not a string
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t0:1:y1:qe")] // empty t
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t33:abcdefghijabcdefghijabcdefghijabc1:y1:qe")] // t too long to echo
    [InlineData("d1:t2:aa1:y1:r1:rd2:id20:abc")] // a broken reply is never answered
    [InlineData("d1:eli201e1:x")] // t not reached before the damage
    [InlineData("d1:adi1ee1:q4:ping1:t2:aa1:y1:qe")] // invalid bencode before t
    public void Decode_NoUsableTransactionIdOrAReply_IsDroppedSilently(string datagram)
    {
        var result = KrpcCodec.Decode(Bytes(datagram), KrpcMethod.Ping);
        Assert.False(result.IsSuccess);
        Assert.Null(result.ErrorReply);
        Assert.NotNull(result.FailureReason);
    }

    [Fact]
    public void Decode_UnsortedKeysAndUnknownKeys_AreAccepted()
    {
        var query = Assert.IsType<GetPeersQuery>(DecodeOk(Bytes(
            "d1:y1:q1:t2:aa1:q9:get_peers5:extrai7e1:ad9:info_hash20:mnopqrstuvwxyz1234565:otherli1ee2:id20:abcdefghij0123456789ee")));
        Assert.Equal(Id("abcdefghij0123456789"), query.SenderId);
        Assert.Equal(Id("mnopqrstuvwxyz123456"), query.InfoHash);
    }

    [Fact]
    public void DecodeResponse_NodesWithPartialTrailingEntry_ReadsWholeEntriesOnly()
    {
        var nodes = new byte[(26 * 2) + 10];
        new Random(1).NextBytes(nodes);
        var datagram = Concat("d1:rd2:id20:0123456789abcdefghij5:nodes62:", nodes, "6:nodes645:", new byte[45], "e1:t2:aa1:y1:re");

        var response = Assert.IsType<FindNodeResponse>(DecodeOk(datagram, KrpcMethod.FindNode));

        Assert.Equal(2, response.Nodes.Length);
        Assert.Equal(new NodeId(nodes.AsSpan(26, 20)), response.Nodes[1].Id);
        Assert.Single(response.Nodes6);
        Assert.Equal(datagram, Encode(response)); // the bytes as received, partial entry included
    }

    [Fact]
    public void DecodeResponse_FarMoreThanEightNodes_AreAllRead()
    {
        var nodes = new byte[26 * 150];
        new Random(2).NextBytes(nodes);
        var datagram = Concat("d1:rd2:id20:0123456789abcdefghij5:nodes3900:", nodes, "e1:t2:aa1:y1:re");

        var response = Assert.IsType<GetPeersResponse>(DecodeOk(datagram, KrpcMethod.GetPeers));

        Assert.Equal(150, response.Nodes.Length);
    }

    [Fact]
    public void DecodeResponse_ValuesOfOddSizes_AreSkipped()
    {
        var response = Assert.IsType<GetPeersResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:abcdefghij01234567896:valuesl6:axje.u5:short18:abcdefghijklmnop\u001a\u00e1i5e6:idhtnmee1:t2:aa1:y1:re"), KrpcMethod.GetPeers));
        Assert.Equal(3, response.Values.Length);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("6162:6364:6566:6768:696a:6b6c:6d6e:6f70"), 6881), response.Values[1]);
    }

    [Fact]
    public void DecodeResponse_RequesterIp_ReadsIpv4AndIpv6AndIgnoresOtherSizes()
    {
        var v6 = Concat("d2:ip18:", IPAddress.Parse("2001:db8::7").GetAddressBytes(), new byte[] { 0x1a, 0xe1 }, "1:rd2:id20:0123456789abcdefghije1:t2:aa1:y1:re");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 6881), ((KrpcResponse)DecodeOk(v6, KrpcMethod.Ping)).RequesterEndPoint);
        Assert.Null(((KrpcResponse)DecodeOk(Bytes("d2:ip5:abcde1:rd2:id20:0123456789abcdefghije1:t2:aa1:y1:re"), KrpcMethod.Ping)).RequesterEndPoint);
    }

    [Fact]
    public void DecodeResponse_OverlongToken_IsTreatedAsAbsent()
    {
        var token = new string('x', KrpcCodec.MaxTokenLength + 1);
        var response = Assert.IsType<GetPeersResponse>(DecodeOk(Bytes(
            $"d1:rd2:id20:abcdefghij01234567895:token{token.Length}:{token}e1:t2:aa1:y1:re"), KrpcMethod.GetPeers));
        Assert.True(response.Token.IsEmpty);
    }

    [Fact]
    public void DecodeResponse_ForTheWrongMethod_IsDroppedWhenArgumentsAreMissing()
    {
        var result = KrpcCodec.Decode(Bytes("d1:rd5:nodes0:e1:t2:aa1:y1:re"), KrpcMethod.FindNode);
        Assert.Null(result.ErrorReply);
        Assert.Equal("missing argument 'id'", result.FailureReason);
    }

    [Fact]
    public void Encode_GetPeersResponseWith500Values_FitsIn1024BytesAndKeepsAPrefix()
    {
        var values = new IPEndPoint[500];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = new IPEndPoint(new IPAddress([10, 1, (byte)(i >> 8), (byte)i]), 6881 + i);
        }

        var response = new GetPeersResponse(Id("abcdefghij0123456789"), Bytes("aoeusnth"))
        {
            TransactionId = Bytes("aa"),
            Version = KrpcCodec.DefaultVersion,
            RequesterEndPoint = new IPEndPoint(IPAddress.Loopback, 1),
            Values = values,
        };

        var buffer = new byte[4096];
        int length = KrpcCodec.Encode(response, buffer);

        Assert.InRange(length, KrpcCodec.MaxPayload - 8, KrpcCodec.MaxPayload); // filled, one more would not fit
        var decoded = Assert.IsType<GetPeersResponse>(DecodeOk(buffer[..length], KrpcMethod.GetPeers));
        Assert.Equal(values[..decoded.Values.Length], decoded.Values);
        Assert.True(decoded.Values.Length > 100);
    }

    [Fact]
    public void Encode_CompactValuesFromAStore_SameBytesAsEndPoints()
    {
        var endPoints = Enumerable.Range(0, 300).Select(i => new IPEndPoint(new IPAddress([10, 4, (byte)(i >> 8), (byte)i]), 5000 + i)).ToArray();
        var compact = new byte[endPoints.Length * CompactEncoding.PeerSizeV4];
        for (int i = 0; i < endPoints.Length; i++)
        {
            CompactEncoding.WritePeer(endPoints[i], compact.AsSpan(i * CompactEncoding.PeerSizeV4));
        }

        GetPeersResponse Response(bool fromStore) => new(Id("abcdefghij0123456789"), Bytes("aoeusnth"))
        {
            TransactionId = Bytes("aa"),
            Values = fromStore ? [] : endPoints,
            CompactValues = fromStore ? compact : default,
        };

        var a = new byte[KrpcCodec.MaxPayload];
        var b = new byte[KrpcCodec.MaxPayload];
        int lengthA = KrpcCodec.Encode(Response(fromStore: false), a);
        int lengthB = KrpcCodec.Encode(Response(fromStore: true), b);

        Assert.Equal(a[..lengthA], b[..lengthB]);
        Assert.True(Assert.IsType<GetPeersResponse>(DecodeOk(b[..lengthB], KrpcMethod.GetPeers)).Values.Length > 100);
    }

    [Fact]
    public void Encode_DualStackScrapeReplyWithPeers_FitsIn1024BytesKeepingTokenAndPeers()
    {
        var random = new Random(4);
        NodeInfo Node(int i, bool v6) => new(NodeId.Random(random), new IPEndPoint(
            v6 ? IPAddress.Parse($"2001:db8::{i + 1:x}") : new IPAddress([10, 2, 0, (byte)(i + 1)]), 6881));
        var response = new GetPeersResponse(Id("abcdefghij0123456789"), Bytes("aoeusnth"))
        {
            TransactionId = Bytes("aa"),
            Version = KrpcCodec.DefaultVersion,
            RequesterEndPoint = new IPEndPoint(IPAddress.Loopback, 1),
            Nodes = [.. Enumerable.Range(0, 8).Select(i => Node(i, v6: false))],
            Nodes6 = [.. Enumerable.Range(0, 8).Select(i => Node(i, v6: true))],
            BloomSeeds = new byte[GetPeersResponse.BloomFilterSize],
            BloomPeers = new byte[GetPeersResponse.BloomFilterSize],
            Values = [.. Enumerable.Range(0, 20).Select(i => new IPEndPoint(new IPAddress([10, 3, 0, (byte)(i + 1)]), 7000))],
        };

        var buffer = new byte[4096];
        int length = KrpcCodec.Encode(response, buffer);

        Assert.InRange(length, 1, KrpcCodec.MaxPayload);
        var decoded = Assert.IsType<GetPeersResponse>(DecodeOk(buffer[..length], KrpcMethod.GetPeers));
        Assert.Equal("aoeusnth", Text(decoded.Token.Span));
        Assert.True(decoded.Values.Length >= 8, $"only {decoded.Values.Length} peers fit");
        Assert.Equal(8, decoded.Nodes.Length);
        Assert.True(decoded.Nodes6.Length < 8, "IPv6 nodes give way to the peers");
        Assert.Equal(GetPeersResponse.BloomFilterSize, decoded.BloomSeeds.Length);
    }

    [Fact]
    public void Encode_SampleResponseWithManySamples_FitsIn1024Bytes()
    {
        var random = new Random(3);
        var samples = new NodeId[200];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = NodeId.Random(random);
        }

        var response = new SampleInfohashesResponse(Id("abcdefghij0123456789"), 21600, 200, samples) { TransactionId = Bytes("aa") };
        var bytes = Encode(response);

        Assert.InRange(bytes.Length, KrpcCodec.MaxPayload - 20, KrpcCodec.MaxPayload);
        var decoded = Assert.IsType<SampleInfohashesResponse>(DecodeOk(bytes, KrpcMethod.SampleInfohashes));
        Assert.Equal(samples[..decoded.Samples.Length], decoded.Samples);
    }

    [Fact]
    public void Encode_SampleResponseWithNoSamples_StillWritesSamples()
    {
        var bytes = Encode(new SampleInfohashesResponse(Id("abcdefghij0123456789"), 60, 0, []) { TransactionId = Bytes("aa") });
        Assert.Contains("7:samples0:", Text(bytes));
    }

    [Fact]
    public void Encode_TooManyNodes_ThrowsInvalidOperation()
    {
        var nodes = new NodeInfo[60];
        for (int i = 0; i < nodes.Length; i++)
        {
            nodes[i] = new NodeInfo(NodeId.Random(new Random(i)), new IPEndPoint(IPAddress.Loopback, 1000 + i));
        }

        Assert.Throws<InvalidOperationException>(() => Encode(new FindNodeResponse(Id("abcdefghij0123456789"), nodes)));
    }

    [Fact]
    public void Encode_Ipv6NodeInNodes_ThrowsInvalidOperation()
    {
        var node = new NodeInfo(Id("abcdefghij0123456789"), new IPEndPoint(IPAddress.IPv6Loopback, 1));
        Assert.Throws<InvalidOperationException>(() => Encode(new FindNodeResponse(node.Id, [node])));
    }

    [Fact]
    public void Encode_NonCanonicalPutValue_ThrowsInvalidOperation()
    {
        var put = new PutQuery(Id("abcdefghij0123456789"), Bytes("t"), Bytes("i01e"));
        Assert.Throws<InvalidOperationException>(() => Encode(put));
    }

    [Fact]
    public void Encode_WorstCasePut_FitsMaxItemPayload()
    {
        var value = Concat("995:", new byte[995]); // 1000 bytes encoded
        var put = new PutQuery(Id("abcdefghij0123456789"), new byte[KrpcCodec.MaxTokenLength], value)
        {
            TransactionId = new byte[2], // as the dispatcher sends it
            Version = KrpcCodec.DefaultVersion,
            ReadOnly = true,
            PublicKey = new byte[32],
            Signature = new byte[64],
            Salt = new byte[64],
            Sequence = long.MinValue,
            Cas = long.MinValue,
        };

        var bytes = Encode(put);

        Assert.InRange(bytes.Length, KrpcCodec.MaxPayload + 1, KrpcCodec.MaxItemPayload);
        Assert.Equal(bytes, Encode(DecodeOk(bytes)));
    }

    [Fact]
    public void Encode_GetResponseWithLargeValue_DropsNodesToFit()
    {
        var random = new Random(4);
        var nodes = new NodeInfo[8];
        var nodes6 = new NodeInfo[8];
        for (int i = 0; i < 8; i++)
        {
            nodes[i] = new NodeInfo(NodeId.Random(random), new IPEndPoint(IPAddress.Parse($"10.0.0.{i + 1}"), 6881));
            nodes6[i] = new NodeInfo(NodeId.Random(random), new IPEndPoint(IPAddress.Parse($"2001:db8::{i + 1}"), 6881));
        }

        var response = new GetResponse(Id("abcdefghij0123456789"), new byte[20])
        {
            TransactionId = Bytes("aa"),
            Nodes = nodes,
            Nodes6 = nodes6,
            Value = Concat("995:", new byte[995]),
            PublicKey = new byte[32],
            Signature = new byte[64],
            Sequence = 7,
        };

        var bytes = Encode(response);

        Assert.True(bytes.Length <= KrpcCodec.MaxItemPayload);
        var decoded = Assert.IsType<GetResponse>(DecodeOk(bytes, KrpcMethod.Get));
        Assert.InRange(decoded.Nodes.Length, 1, 7);
        Assert.Equal(nodes[..decoded.Nodes.Length], decoded.Nodes);
        Assert.Empty(decoded.Nodes6);
        Assert.Equal(response.Value.ToArray(), decoded.Value.ToArray());
    }

    [Fact]
    public void Encode_IntoSmallDestination_ThrowsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() => KrpcCodec.Encode(new PingQuery(NodeId.Zero), new byte[20]));
    }

    [Fact]
    public void DecodeError_WithoutMessage_ReadsEmptyMessage()
    {
        var error = Assert.IsType<KrpcError>(DecodeOk(Bytes("d1:eli203ee1:t2:aa1:y1:ee")));
        Assert.Equal((203, ""), (error.Code, error.Message));
    }

    private static byte[] Concat(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            bytes.AddRange(part as byte[] ?? Bytes((string)part));
        }

        return [.. bytes];
    }
}
