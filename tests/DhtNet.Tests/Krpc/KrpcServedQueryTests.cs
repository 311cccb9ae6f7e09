using System.Net;
using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

/// <summary>
/// The serving fast path: ping, find_node and get_peers read in place from the datagram and answered
/// by <see cref="IKrpcQueryHandler.WriteAnswer"/>, everything else left to the general decoder.
/// </summary>
public class KrpcServedQueryTests
{
    private static readonly NodeId Ours = Id("BBBBBBBBBBBBBBBBBBBB");
    private static readonly IPEndPoint Asker = new(IPAddress.Parse("10.0.0.1"), 1001);

    // Method by name and want as flags (n4 = 1, n6 = 2): the test's parameters must be public types.
    public static TheoryData<string, string, string, string, int, bool, bool> ServedQueries => new()
    {
        { "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe", "Ping", "abcdefghij0123456789", "", 0, false, false },
        { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe", "FindNode", "abcdefghij0123456789", "mnopqrstuvwxyz123456", 0, false, false },
        { "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n42:n6ee1:q9:find_node2:roi1e1:t2:aa1:v4:DN\0\u00011:y1:qe", "FindNode", "abcdefghij0123456789", "mnopqrstuvwxyz123456", 3, false, true },
        { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe", "GetPeers", "abcdefghij0123456789", "mnopqrstuvwxyz123456", 0, false, false },
        { "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234566:noseedi1e4:wantl2:n6ee1:q9:get_peers1:t2:aa1:y1:qe", "GetPeers", "abcdefghij0123456789", "mnopqrstuvwxyz123456", 2, true, false },
    };

    public static TheoryData<string> GeneralPathDatagrams => new()
    {
        // BEP 33 scrape: bloom filters are made per reply, on the general path.
        "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234566:noseedi1e6:scrapei1ee1:q9:get_peers1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q3:get1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q17:sample_infohashes1:t2:aa1:y1:qe",
        // BEP 5 forward compatibility: an unknown method with a target is answered like find_node, by the general path.
        "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_nodz1:t2:aa1:y1:qe",
        // Invalid ones, whose error answers the general path writes.
        "d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij01234567894:wanti1e6:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe",
        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe",
        "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:xe",
        // Replies.
        "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
        "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
    };

    [Theory]
    [MemberData(nameof(ServedQueries))]
    public void TryReadServedQuery_PingFindNodeGetPeers_ReadsTheirValues(string datagram, string method, string id, string target, int want, bool noSeed, bool readOnly)
    {
        Assert.True(KrpcCodec.TryReadServedQuery(Bytes(datagram), out var query));

        Assert.Equal(
            (Enum.Parse<KrpcMethod>(method), Id(id), target.Length == 0 ? default : Id(target), (KrpcWant)want, noSeed, readOnly, "aa"),
            (query.Method, query.SenderId, query.Target, query.Want, query.NoSeed, query.ReadOnly, System.Text.Encoding.ASCII.GetString(query.TransactionId)));
    }

    [Theory]
    [MemberData(nameof(GeneralPathDatagrams))]
    public void TryReadServedQuery_OtherMessages_LeavesThemToTheDecoder(string datagram) =>
        Assert.False(KrpcCodec.TryReadServedQuery(Bytes(datagram), out _));

    [Theory]
    [MemberData(nameof(ServedQueries))]
    public void OnDatagram_HandlerAnsweringInPlace_SendsTheBytesTheMessagePathSends(string datagram, string method, string id, string target, int want, bool noSeed, bool readOnly)
    {
        _ = (id, target, want, noSeed);
        var inPlace = Serve(new Handler(answersInPlace: true), Bytes(datagram));
        var general = Serve(new Handler(answersInPlace: false), Bytes(datagram));

        Assert.Equal(Convert.ToHexString(general.Reply), Convert.ToHexString(inPlace.Reply));
        Assert.Equal((1, 0), (inPlace.Handler.InPlace, inPlace.Handler.Handled));
        Assert.Equal((0, 1), (general.Handler.InPlace, general.Handler.Handled));
        Assert.Equal(1, inPlace.Dispatcher.QueriesServed(Enum.Parse<KrpcMethod>(method)));
        Assert.Equal((1L, 1L, 0L), (inPlace.Dispatcher.QueriesReceived, inPlace.Dispatcher.ResponsesSent, inPlace.Dispatcher.ErrorsSent));
        var seen = Assert.Single(inPlace.Seen);
        Assert.Equal((Id("abcdefghij0123456789"), Asker, readOnly, false, (KrpcMessage?)null), (seen.Id, seen.EndPoint, seen.ReadOnly, seen.IsResponse, seen.Message));
    }

    [Theory]
    [MemberData(nameof(GeneralPathDatagrams))]
    public void OnDatagram_HandlerAnsweringInPlace_LeavesOtherMessagesToHandle(string datagram)
    {
        var served = Serve(new Handler(answersInPlace: true), Bytes(datagram));

        Assert.Equal(0, served.Handler.InPlace);
    }

    [Fact]
    public void OnDatagram_InPlaceAnswerThrows_AnswersServerError()
    {
        var served = Serve(new Handler(answersInPlace: true) { Throw = true }, Bytes("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"));

        var error = Assert.IsType<KrpcError>(DecodeOk(served.Reply));
        Assert.Equal((KrpcErrorCode.Server, "aa"), (error.Code, System.Text.Encoding.ASCII.GetString(error.TransactionId.Span)));
        Assert.Equal((1L, 1L), (served.Dispatcher.HandlerFailures, served.Dispatcher.ErrorsSent));
    }

    [Fact]
    public void OnDatagram_InPlaceAnswerDeclines_SendsNothing()
    {
        var served = Serve(new Handler(answersInPlace: true) { Decline = true }, Bytes("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"));

        Assert.Empty(served.Reply);
        Assert.Equal(1, served.Handler.InPlace);
        Assert.Equal(0, served.Dispatcher.ResponsesSent);
    }

    private static (byte[] Reply, Handler Handler, KrpcDispatcher Dispatcher, List<KrpcNodeSeen> Seen) Serve(Handler handler, byte[] datagram)
    {
        var transport = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1002));
        var dispatcher = new KrpcDispatcher(transport, handler, new VirtualTimeProvider());
        var seen = new List<KrpcNodeSeen>();
        dispatcher.NodeSeen += seen.Add;
        dispatcher.Start();
        transport.Receive(datagram, Asker);
        dispatcher.Dispose();
        return (transport.Sent.Count == 0 ? [] : Assert.Single(transport.Sent).Data, handler, dispatcher, seen);
    }

    /// <summary>
    /// Answers ping with our id, find_node with two nodes (one per family), get_peers with a token,
    /// a node and two peers: the same answer whether written in place or returned as a message.
    /// </summary>
    private sealed class Handler(bool answersInPlace) : IKrpcQueryHandler
    {
        private static readonly byte[] Token = "tokentok"u8.ToArray();
        private static readonly NodeInfo[] Nodes = [new(Id("CCCCCCCCCCCCCCCCCCCC"), new IPEndPoint(IPAddress.Parse("10.0.0.3"), 1003))];
        private static readonly NodeInfo[] Nodes6 = [new(Id("DDDDDDDDDDDDDDDDDDDD"), new IPEndPoint(IPAddress.Parse("2001:db8::4"), 1004))];
        private static readonly byte[] Peers = [10, 0, 0, 5, 0x1a, 0xe1, 10, 0, 0, 6, 0x1a, 0xe2];

        public bool AnswersInPlace => answersInPlace;

        public bool Throw { get; init; }

        public bool Decline { get; init; }

        public int InPlace { get; private set; }

        public int Handled { get; private set; }

        public KrpcMessage? Handle(KrpcQuery query, IPEndPoint source)
        {
            Handled++;
            return query switch
            {
                PingQuery => new PingResponse(Ours),
                FindNodeQuery => new FindNodeResponse(Ours, Nodes, Nodes6),
                GetPeersQuery => new GetPeersResponse(Ours, Token) { Nodes = Nodes, CompactValues = Peers, CompactValueSize = 6 },
                _ => new KrpcError(KrpcErrorCode.MethodUnknown, "method unknown"),
            };
        }

        public bool WriteAnswer(in KrpcQueryView query, IPEndPoint source, ref BencodeWriter writer, in EncodeBudget budget)
        {
            InPlace++;
            if (Throw)
            {
                throw new InvalidOperationException("handler fault");
            }

            if (Decline)
            {
                return false;
            }

            switch (query.Method)
            {
                case KrpcMethod.Ping:
                    PingResponse.Write(ref writer, Ours);
                    break;
                case KrpcMethod.FindNode:
                    FindNodeResponse.Write(ref writer, Ours, Nodes, Nodes6);
                    break;
                default:
                    GetPeersValues.Write(ref writer, budget, new GetPeersValues { SenderId = Ours, Token = Token, Nodes = Nodes, CompactValues = Peers, CompactValueSize = 6 });
                    break;
            }

            return true;
        }
    }
}
