namespace DhtNet.Tests.Krpc;

/// <summary>Helpers shared by the KRPC tests.</summary>
internal static class KrpcTestData
{
    public static NodeId Id(string twentyChars) => new(Bytes(twentyChars));

    public static byte[] Encode(KrpcMessage message)
    {
        var buffer = new byte[KrpcCodec.MaxItemPayload];
        int n = KrpcCodec.Encode(message, buffer);
        return buffer[..n];
    }

    public static KrpcMessage DecodeOk(byte[] datagram, KrpcMethod? method = null)
    {
        var result = KrpcCodec.Decode(datagram, method);
        Assert.True(result.IsSuccess, $"decode failed: {result}");
        return result.Message;
    }

    /// <summary>Every valid BEP 5 example packet, with the method needed to decode the responses.</summary>
    public static TheoryData<string, KrpcMethod?> Bep5Examples => new()
    {
        { "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee", null },
        { "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re", KrpcMethod.Ping },
        { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re", KrpcMethod.FindNode },
        { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re", KrpcMethod.GetPeers },
        { "d1:rd2:id20:abcdefghij01234567895:nodes9:def456...5:token8:aoeusnthe1:t2:aa1:y1:re", KrpcMethod.GetPeers },
        { "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re", KrpcMethod.AnnouncePeer },
    };

    /// <summary>Hand-made examples of the extensions (BEP 32, 33, 42, 43, 44, 51), canonical bencode.</summary>
    public static TheoryData<string, KrpcMethod?> ExtensionExamples => new()
    {
        // BEP 32 want, BEP 43 ro, our v.
        { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n42:n6ee1:q9:find_node2:roi1e1:t2:aa1:v4:DN\0\u00011:y1:qe", null },
        // BEP 32 nodes6 and BEP 42 ip in a find_node response.
        { "d2:ip6:\u007f\0\0\u0001\u001a\u00e11:rd2:id20:0123456789abcdefghij6:nodes638:abcdefghij0123456789\u0020\u0001\r\u00b8\0\0\0\0\0\0\0\0\0\0\0\u0001\u001a\u00e1e1:t2:aa1:y1:re", KrpcMethod.FindNode },
        // BEP 33 scrape and noseed, seed.
        { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234566:noseedi1e6:scrapei1ee1:q9:get_peers1:t2:aa1:y1:qe", null },
        { "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e4:seedi1e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe", null },
        // BEP 44 get / put, immutable and mutable.
        { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q3:get1:t2:aa1:y1:qe", null },
        { "d1:ad2:id20:abcdefghij01234567893:seqi4e6:target20:mnopqrstuvwxyz123456e1:q3:get1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:0123456789abcdefghij5:token8:aoeusnth1:v12:Hello World!e1:t2:aa1:y1:re", KrpcMethod.Get },
        { "d1:ad2:id20:abcdefghij01234567895:token8:aoeusnth1:v12:Hello World!e1:q3:put1:t2:aa1:y1:qe", null },
        { "d1:ad3:casi3e2:id20:abcdefghij01234567891:k32:" + new string('K', 32) + "4:salt6:foobar3:seqi4e3:sig64:" + new string('S', 64) + "5:token8:aoeusnth1:vli1e3:twoee1:q3:put1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:0123456789abcdefghij1:k32:" + new string('K', 32) + "3:seqi4e3:sig64:" + new string('S', 64) + "5:token8:aoeusnth1:vd1:ai1eee1:t2:aa1:y1:re", KrpcMethod.Get },
        { "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re", KrpcMethod.Put },
        { "d1:eli302e33:sequence number less than currente1:t2:aa1:y1:ee", null },
        // BEP 51.
        { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q17:sample_infohashes1:t2:aa1:y1:qe", null },
        { "d1:rd2:id20:0123456789abcdefghij8:intervali21600e5:nodes26:abcdefghij0123456789\u007f\0\0\u0001\u001a\u00e13:numi2e7:samples40:mnopqrstuvwxyz123456ABCDEFGHIJ0123456789e1:t2:aa1:y1:re", KrpcMethod.SampleInfohashes },
    };
}
