using System.Net;
using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

public class ExtensionExampleTests
{
    [Theory]
    [MemberData(nameof(KrpcTestData.ExtensionExamples), MemberType = typeof(KrpcTestData))]
    public void Decode_ExtensionExample_EncodesBackToSameBytes(string bencoded, object? expectedMethod)
    {
        // object: xunit needs public test methods, and the KRPC types are internal.
        var method = (KrpcMethod?)expectedMethod;
        var first = Encode(DecodeOk(Bytes(bencoded), method));
        Assert.Equal(bencoded, Text(first));
        Assert.Equal(first, Encode(DecodeOk(first, method)));
    }

    [Fact]
    public void Decode_FindNodeWithWantAndReadOnly_HasBothFamiliesAndRoFlag()
    {
        var query = Assert.IsType<FindNodeQuery>(DecodeOk(Bytes(
            "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n42:n6ee1:q9:find_node2:roi1e1:t2:aa1:v4:DN\0\u00011:y1:qe")));
        Assert.Equal(KrpcWant.N4 | KrpcWant.N6, query.Want);
        Assert.True(query.ReadOnly);
        Assert.Equal(KrpcCodec.DefaultVersion.ToArray(), query.Version.ToArray());
    }

    [Fact]
    public void Decode_ResponseWithIpAndNodes6_HasRequesterAndIpv6Node()
    {
        var response = Assert.IsType<FindNodeResponse>(DecodeOk(Bytes(
            "d2:ip6:\u007f\0\0\u0001\u001a\u00e11:rd2:id20:0123456789abcdefghij6:nodes638:abcdefghij0123456789\u0020\u0001\r\u00b8\0\0\0\0\0\0\0\0\0\0\0\u0001\u001a\u00e1e1:t2:aa1:y1:re"),
            KrpcMethod.FindNode));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 6881), response.RequesterEndPoint);
        var node = Assert.Single(response.Nodes6);
        Assert.Equal(Id("abcdefghij0123456789"), node.Id);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 6881), node.EndPoint);
    }

    [Fact]
    public void Decode_Bep33Messages_HaveScrapeNoSeedAndSeed()
    {
        var getPeers = Assert.IsType<GetPeersQuery>(DecodeOk(Bytes(
            "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234566:noseedi1e6:scrapei1ee1:q9:get_peers1:t2:aa1:y1:qe")));
        Assert.True(getPeers.Scrape);
        Assert.True(getPeers.NoSeed);

        var announce = Assert.IsType<AnnouncePeerQuery>(DecodeOk(Bytes(
            "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e4:seedi1e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe")));
        Assert.True(announce.Seed);
    }

    [Fact]
    public void Encode_Bep33ScrapeResponse_RoundTripsBloomFilters()
    {
        var seeds = new byte[GetPeersResponse.BloomFilterSize];
        var peers = new byte[GetPeersResponse.BloomFilterSize];
        new Random(33).NextBytes(seeds);
        new Random(34).NextBytes(peers);
        var response = new GetPeersResponse(Id("abcdefghij0123456789"), Bytes("aoeusnth"))
        {
            TransactionId = Bytes("aa"),
            BloomSeeds = seeds,
            BloomPeers = peers,
            Values = [new IPEndPoint(IPAddress.Parse("192.0.2.1"), 6881)],
        };

        var bytes = Encode(response);
        var decoded = Assert.IsType<GetPeersResponse>(DecodeOk(bytes, KrpcMethod.GetPeers));
        Assert.Equal(seeds, decoded.BloomSeeds.ToArray());
        Assert.Equal(peers, decoded.BloomPeers.ToArray());
        Assert.Equal(response.Values, decoded.Values);
        Assert.Equal(bytes, Encode(decoded));
        Assert.StartsWith("d1:rd4:BFpe256:", Text(bytes));
    }

    [Fact]
    public void Decode_Bep44MutablePut_KeepsRawValueAndAllFields()
    {
        string v = "li1e3:twoe";
        var put = Assert.IsType<PutQuery>(DecodeOk(Bytes(
            "d1:ad3:casi3e2:id20:abcdefghij01234567891:k32:" + new string('K', 32) + "4:salt6:foobar3:seqi4e3:sig64:" + new string('S', 64) + "5:token8:aoeusnth1:v" + v + "e1:q3:put1:t2:aa1:y1:qe")));
        Assert.True(put.IsMutable);
        Assert.Equal(v, Text(put.Value.Span));
        Assert.Equal(new string('K', 32), Text(put.PublicKey.Span));
        Assert.Equal(new string('S', 64), Text(put.Signature.Span));
        Assert.Equal("foobar", Text(put.Salt.Span));
        Assert.Equal(4, put.Sequence);
        Assert.Equal(3, put.Cas);
    }

    [Fact]
    public void Decode_Bep44GetResponses_KeepRawValue()
    {
        var immutable = Assert.IsType<GetResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:0123456789abcdefghij5:token8:aoeusnth1:v12:Hello World!e1:t2:aa1:y1:re"), KrpcMethod.Get));
        Assert.Equal("12:Hello World!", Text(immutable.Value.Span));
        Assert.Null(immutable.Sequence);
        Assert.True(immutable.PublicKey.IsEmpty);

        var mutable = Assert.IsType<GetResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:0123456789abcdefghij1:k32:" + new string('K', 32) + "3:seqi4e3:sig64:" + new string('S', 64) + "5:token8:aoeusnth1:vd1:ai1eee1:t2:aa1:y1:re"), KrpcMethod.Get));
        Assert.Equal("d1:ai1ee", Text(mutable.Value.Span));
        Assert.Equal(4, mutable.Sequence);
    }

    [Fact]
    public void Decode_Bep51Response_HasIntervalNumSamplesAndNodes()
    {
        var response = Assert.IsType<SampleInfohashesResponse>(DecodeOk(Bytes(
            "d1:rd2:id20:0123456789abcdefghij8:intervali21600e5:nodes26:abcdefghij0123456789\u007f\0\0\u0001\u001a\u00e13:numi2e7:samples40:mnopqrstuvwxyz123456ABCDEFGHIJ0123456789e1:t2:aa1:y1:re"),
            KrpcMethod.SampleInfohashes));
        Assert.Equal(21600, response.Interval);
        Assert.Equal(2, response.Num);
        Assert.Equal([Id("mnopqrstuvwxyz123456"), Id("ABCDEFGHIJ0123456789")], response.Samples);
        Assert.Equal(new NodeInfo(Id("abcdefghij0123456789"), new IPEndPoint(IPAddress.Loopback, 6881)), Assert.Single(response.Nodes));
    }
}
