using System.Diagnostics.Metrics;
using System.Net;
using static DhtNet.Tests.Krpc.KrpcTestData;

namespace DhtNet.Tests.Krpc;

public class KrpcDispatcherTests
{
    private static readonly NodeId IdA = Id("AAAAAAAAAAAAAAAAAAAA");
    private static readonly NodeId IdB = Id("BBBBBBBBBBBBBBBBBBBB");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task SendQueryAsync_PingBetweenWiredFakes_CompletesWithTypedResponse()
    {
        var (ta, tb) = FakeTransport.Pair();
        var clock = new VirtualTimeProvider();
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        var handlerB = new Handler(IdB);
        using var b = new KrpcDispatcher(tb, handlerB, clock);
        var seenByA = new List<KrpcNodeSeen>();
        var seenByB = new List<KrpcNodeSeen>();
        a.NodeSeen += seenByA.Add;
        b.NodeSeen += seenByB.Add;
        a.Start();
        b.Start();

        var task = a.SendQueryAsync(new PingQuery(IdA) { ReadOnly = true }, tb.Local, Timeout);

        Assert.True(task.IsCompletedSuccessfully); // delivered inside Send, completed inline
        var result = await task;
        Assert.Equal(KrpcResultStatus.Response, result.Status);
        var pong = Assert.IsType<PingResponse>(result.Response);
        Assert.Equal(IdB, pong.SenderId);
        Assert.Equal(ta.Local, pong.RequesterEndPoint); // BEP 42 ip filled in by B's dispatcher
        Assert.Equal(KrpcCodec.DefaultVersion.ToArray(), pong.Version.ToArray());
        Assert.Equal(2, pong.TransactionId.Length);

        var query = Assert.IsType<PingQuery>(Assert.Single(handlerB.Queries).Query);
        Assert.True(query.ReadOnly);
        Assert.Equal(ta.Local, handlerB.Queries[0].Source);

        var seenA = Assert.Single(seenByA);
        Assert.Equal((IdB, tb.Local, false, true), (seenA.Id, seenA.EndPoint, seenA.ReadOnly, seenA.IsResponse));
        var seenB = Assert.Single(seenByB);
        Assert.Equal((IdA, ta.Local, true, false), (seenB.Id, seenB.EndPoint, seenB.ReadOnly, seenB.IsResponse));

        Assert.Equal((1, 1, 0), (a.QueriesSent, a.ResponsesMatched, a.PendingCount));
        Assert.Equal((1, 1, 0), (b.QueriesReceived, b.ResponsesSent, b.ErrorsSent));
    }

    [Fact]
    public async Task SendQueryAsync_OnVirtualClockWithLatency_CompletesWhenTheClockDelivers()
    {
        var clock = new VirtualTimeProvider();
        var (ta, tb) = FakeTransport.Pair(clock);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        using var b = new KrpcDispatcher(tb, new Handler(IdB), clock);
        a.Start();
        b.Start();

        var task = a.SendQueryAsync(new FindNodeQuery(IdA, IdB), tb.Local, Timeout);
        Assert.False(task.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.False(task.IsCompleted); // query arrived, reply in flight
        clock.Advance(TimeSpan.FromMilliseconds(10));

        Assert.True(task.IsCompleted);
        var result = await task;
        var response = Assert.IsType<FindNodeResponse>(result.Response);
        Assert.Equal(IdB, Assert.Single(response.Nodes).Id);
        Assert.Equal(TimeSpan.FromMilliseconds(20), result.RoundTripTime);
    }

    [Fact]
    public async Task SendQueryAsync_NoAnswer_TimesOutOnTheVirtualClock()
    {
        var clock = new VirtualTimeProvider();
        var (ta, tb) = FakeTransport.Pair(clock);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        using var b = new KrpcDispatcher(tb, new Handler(IdB) { Silent = true }, clock);
        a.Start();
        b.Start();

        var task = a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);
        clock.Advance(Timeout - TimeSpan.FromTicks(1));
        Assert.False(task.IsCompleted);
        Assert.Equal(1, a.PendingCount);

        clock.Advance(TimeSpan.FromTicks(1));

        Assert.True(task.IsCompleted);
        Assert.Equal(KrpcResultStatus.Timeout, (await task).Status);
        Assert.Equal((1, 0), (a.Timeouts, a.PendingCount));
    }

    [Fact]
    public async Task Receive_ReplyFromWrongAddress_IsIgnoredAndCounted()
    {
        var clock = new VirtualTimeProvider();
        var ta = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1001));
        var queried = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1002);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        a.Start();

        var task = a.SendQueryAsync(new PingQuery(IdA), queried, Timeout);
        var t = Assert.IsType<PingQuery>(DecodeOk(ta.Sent[0].Data)).TransactionId;
        var reply = Encode(new PingResponse(IdB) { TransactionId = t });

        ta.Receive(reply, new IPEndPoint(IPAddress.Parse("10.0.0.3"), 1002));
        ta.Receive(reply, new IPEndPoint(queried.Address, 1003));

        Assert.False(task.IsCompleted);
        Assert.Equal((2, 2, 1), (a.WrongSource, a.Unmatched, a.PendingCount));

        ta.Receive(reply, new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.2"), 1002)); // the same address, IPv4-mapped
        Assert.True(task.IsCompleted);
        Assert.Equal(IdB, (await task).Response!.SenderId);
    }

    [Fact]
    public async Task SendQueryAsync_PendingTableFull_FailsFastWithoutGrowing()
    {
        var clock = new VirtualTimeProvider();
        var (ta, tb) = FakeTransport.Pair(clock);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock, new KrpcDispatcherOptions { MaxPendingQueries = 2 });
        using var b = new KrpcDispatcher(tb, new Handler(IdB) { Silent = true }, clock);
        a.Start();
        b.Start();

        var first = a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);
        var second = a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);
        var third = a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);

        Assert.True(third.IsCompleted);
        Assert.Equal(KrpcResultStatus.TooManyPending, (await third).Status);
        Assert.Equal((2, 1, 2L), (a.PendingCount, a.Rejected, a.QueriesSent));
        Assert.Equal(2, ta.Sent.Count);

        clock.Advance(Timeout);
        Assert.Equal(KrpcResultStatus.Timeout, (await first).Status);
        Assert.Equal(KrpcResultStatus.Timeout, (await second).Status);
        Assert.Equal(0, a.PendingCount);
        Assert.False(a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout).IsCompleted); // room again
    }

    [Theory]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:xy1:y1:qe", 204, "method unknown")]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q9:get_peers1:t2:xy1:y1:qe", 203, "missing argument 'info_hash'")]
    [InlineData("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti70000e5:token1:xe1:q13:announce_peer1:t2:xy1:y1:qe", 203, "argument 'port' must be an integer 0..65535")]
    [InlineData("d1:ad2:id3:abce1:q4:ping1:t2:xy1:y1:qe", 203, "argument 'id' must be 20 bytes")]
    [InlineData("d1:t2:xy1:y1:q1:ad2:id20:abc", 203, "invalid bencode")]
    public void Receive_BadQuery_AnswersWithErrorCarryingTheTransactionId(string datagram, int code, string message)
    {
        var (ta, tb) = FakeTransport.Pair();
        var handler = new Handler(IdB);
        using var b = new KrpcDispatcher(tb, handler, new VirtualTimeProvider());
        b.Start();

        tb.Receive(Bytes(datagram), ta.Local);

        var (data, destination) = Assert.Single(tb.Sent);
        Assert.Equal(ta.Local, destination);
        var error = Assert.IsType<KrpcError>(DecodeOk(data));
        Assert.Equal((code, message, "xy"), (error.Code, error.Message, Text(error.TransactionId.Span)));
        Assert.Empty(handler.Queries);
        Assert.Equal((1, 1), (b.Malformed, b.ErrorsSent));
    }

    [Theory]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:vote1:t2:xy1:y1:qe")]
    [InlineData("d1:ad2:id3:abce1:q4:ping1:t2:xy1:y1:qe")]
    [InlineData("d1:t2:xy1:y1:q1:ad2:id20:abc")]
    public void Receive_BadQueryWhileReadOnly_AnswersNothing(string datagram)
    {
        var (ta, tb) = FakeTransport.Pair();
        using var b = new KrpcDispatcher(tb, new Handler(IdB), new VirtualTimeProvider(), new KrpcDispatcherOptions { ReadOnly = true });
        b.Start();

        tb.Receive(Bytes(datagram), ta.Local);

        Assert.Empty(tb.Sent); // BEP 43: a read-only node does not answer at all
        Assert.Equal((1, 0), (b.Malformed, b.ErrorsSent));
    }

    [Fact]
    public void Receive_UnknownQueryWithTarget_IsAnsweredAsFindNode()
    {
        var (ta, tb) = FakeTransport.Pair();
        var handler = new Handler(IdB);
        using var b = new KrpcDispatcher(tb, handler, new VirtualTimeProvider());
        b.Start();

        tb.Receive(Bytes("d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q8:find_any1:t2:xy1:y1:qe"), ta.Local);

        Assert.IsType<FindNodeQuery>(Assert.Single(handler.Queries).Query);
        var response = Assert.IsType<FindNodeResponse>(DecodeOk(Assert.Single(tb.Sent).Data, KrpcMethod.FindNode));
        Assert.Equal(IdB, response.SenderId);
    }

    [Fact]
    public void Receive_GarbageDatagrams_ChangeNothingAndAreCounted()
    {
        var clock = new VirtualTimeProvider();
        var (ta, tb) = FakeTransport.Pair(clock);
        var handler = new Handler(IdB);
        using var b = new KrpcDispatcher(tb, handler, clock);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        a.Start();
        b.Start();
        var pending = a.SendQueryAsync(new PingQuery(IdA), new IPEndPoint(IPAddress.Parse("10.9.9.9"), 9), Timeout);
        var random = new Random(5);

        for (int i = 0; i < 1000; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            tb.Receive(garbage, ta.Local);
            ta.Receive(garbage, tb.Local);
        }

        Assert.Empty(tb.Sent);
        Assert.Single(ta.Sent); // only the query
        Assert.Empty(handler.Queries);
        Assert.Equal((1000, 0L, 0L), (b.Malformed, b.QueriesReceived, b.HandlerFailures));
        Assert.Equal((1000, 1), (a.Malformed, a.PendingCount));
        Assert.False(pending.IsCompleted);
    }

    [Fact]
    public void Receive_UnsolicitedResponse_IsCountedAsUnmatched()
    {
        var (ta, tb) = FakeTransport.Pair();
        using var a = new KrpcDispatcher(ta, new Handler(IdA), new VirtualTimeProvider());
        a.Start();

        ta.Receive(Encode(new PingResponse(IdB) { TransactionId = Bytes("zz") }), tb.Local);
        ta.Receive(Encode(new KrpcError(201, "x") { TransactionId = Bytes("zzz") }), tb.Local);

        Assert.Equal((2, 0L), (a.Unmatched, a.Malformed));
        Assert.Empty(ta.Sent); // replies are never answered
    }

    [Fact]
    public async Task SendQueryAsync_NodeAnswersWithError_CompletesWithTheError()
    {
        var (ta, tb) = FakeTransport.Pair();
        var clock = new VirtualTimeProvider();
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        using var b = new KrpcDispatcher(tb, new Handler(IdB) { Reply = _ => new KrpcError(KrpcErrorCode.CasMismatch, "cas mismatch") }, clock);
        a.Start();
        b.Start();

        var result = await a.SendQueryAsync(new PutQuery(IdA, Bytes("tok"), Bytes("1:x")), tb.Local, Timeout);

        Assert.Equal(KrpcResultStatus.Error, result.Status);
        Assert.Equal((KrpcErrorCode.CasMismatch, "cas mismatch"), (result.Error!.Code, result.Error.Message));
        Assert.True(result.NodeAnswered);
        Assert.Equal((1, 0L), (a.ErrorsReceived, a.ResponsesMatched));
        Assert.Equal(1, b.ErrorsSent);
    }

    [Fact]
    public async Task SendQueryAsync_HandlerThrows_AnswersServerError()
    {
        var (ta, tb) = FakeTransport.Pair();
        var clock = new VirtualTimeProvider();
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        using var b = new KrpcDispatcher(tb, new Handler(IdB) { Reply = _ => throw new InvalidOperationException("boom") }, clock);
        a.Start();
        b.Start();

        var result = await a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);

        Assert.Equal(KrpcErrorCode.Server, result.Error!.Code);
        Assert.Equal(1, b.HandlerFailures);
    }

    [Fact]
    public async Task SendQueryAsync_HandlerReplyTooBig_AnswersServerError()
    {
        var (ta, tb) = FakeTransport.Pair();
        var clock = new VirtualTimeProvider();
        var tooMany = new NodeInfo[60];
        for (int i = 0; i < tooMany.Length; i++)
        {
            tooMany[i] = new NodeInfo(IdB, new IPEndPoint(IPAddress.Loopback, 2000 + i));
        }

        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        using var b = new KrpcDispatcher(tb, new Handler(IdB) { Reply = _ => new FindNodeResponse(IdB, tooMany) }, clock);
        a.Start();
        b.Start();

        var result = await a.SendQueryAsync(new FindNodeQuery(IdA, IdB), tb.Local, Timeout);

        Assert.Equal(KrpcErrorCode.Server, result.Error!.Code);
        Assert.Equal((1, 1L, 0L), (b.HandlerFailures, b.ErrorsSent, b.ResponsesSent));
    }

    [Fact]
    public async Task SendQueryAsync_ResponseBodyInvalid_CompletesAsInvalidResponse()
    {
        var ta = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1001));
        var queried = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1002);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), new VirtualTimeProvider());
        a.Start();

        var task = a.SendQueryAsync(new GetPeersQuery(IdA, IdB), queried, Timeout);
        var t = Text(Assert.IsType<GetPeersQuery>(DecodeOk(ta.Sent[0].Data)).TransactionId.Span);
        ta.Receive(Bytes($"d1:rd2:id5:shorte1:t2:{t}1:y1:re"), queried);

        var result = await task;
        Assert.Equal(KrpcResultStatus.InvalidResponse, result.Status);
        Assert.Equal("argument 'id' must be 20 bytes", result.FailureReason);
        Assert.Equal((1, 0), (a.Malformed, a.PendingCount));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendQueryAsync_Cancelled_RemovesPendingEntry(bool abandonable)
    {
        var clock = new VirtualTimeProvider();
        var ta = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1001));
        var queried = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1002);
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock);
        a.Start();
        using var cts = new CancellationTokenSource();

        var task = a.SendQueryAsync(new PingQuery(IdA), queried, Timeout, abandonable, cts.Token);
        Assert.Equal(1, a.PendingCount);
        cts.Cancel();

        if (abandonable)
        {
            // Completed with a result, not cancelled: nothing is thrown at the await.
            Assert.True(task.IsCompletedSuccessfully);
            Assert.Equal(KrpcResultStatus.Abandoned, (await task).Status);
        }
        else
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        }

        Assert.Equal(0, a.PendingCount);
        var t = Assert.IsType<PingQuery>(DecodeOk(ta.Sent[0].Data)).TransactionId;
        ta.Receive(Encode(new PingResponse(IdB) { TransactionId = t }), queried);
        Assert.Equal(1, a.Unmatched);
        clock.Advance(Timeout);
        Assert.Equal(0, a.Timeouts);
    }

    [Fact]
    public async Task SendQueryAsync_AbandonableAlreadyCancelled_SendsNothingAndCompletesAsAbandoned()
    {
        var (ta, tb) = FakeTransport.Pair();
        using var a = new KrpcDispatcher(ta, new Handler(IdA), new VirtualTimeProvider());
        a.Start();

        var result = await a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout, abandonable: true, new CancellationToken(canceled: true));

        Assert.Equal(KrpcResultStatus.Abandoned, result.Status);
        Assert.Empty(ta.Sent);
        Assert.Equal(0, a.PendingCount);
    }

    [Fact]
    public async Task SendQueryAsync_TransportRefuses_CompletesAsSendFailed()
    {
        var (ta, tb) = FakeTransport.Pair();
        ta.SendSucceeds = false;
        using var a = new KrpcDispatcher(ta, new Handler(IdA), new VirtualTimeProvider());
        a.Start();

        var result = await a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);

        Assert.Equal(KrpcResultStatus.SendFailed, result.Status);
        Assert.Equal((1, 0), (a.SendFailures, a.PendingCount));
    }

    [Fact]
    public async Task Dispose_WithPendingQueries_CompletesThemAsDisposed()
    {
        var (ta, tb) = FakeTransport.Pair(new VirtualTimeProvider());
        var a = new KrpcDispatcher(ta, new Handler(IdA), new VirtualTimeProvider());
        a.Start();
        var task = a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);

        a.Dispose();

        Assert.Equal(KrpcResultStatus.Disposed, (await task).Status);
        Assert.Equal(KrpcResultStatus.Disposed, (await a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout)).Status);
    }

    [Fact]
    public async Task SendQueryAsync_TransactionIds_AreUniqueWhilePending()
    {
        var clock = new VirtualTimeProvider();
        var ta = new FakeTransport(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1001));
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock, new KrpcDispatcherOptions { MaxPendingQueries = 3000 });
        a.Start();
        var tasks = new List<Task<KrpcResult>>();
        for (int i = 0; i < 3000; i++)
        {
            tasks.Add(a.SendQueryAsync(new PingQuery(IdA), new IPEndPoint(IPAddress.Loopback, 7000), Timeout));
        }

        var ids = ta.Sent.Select(s => Text(DecodeOk(s.Data).TransactionId.Span)).ToHashSet();
        Assert.Equal(3000, ids.Count);
        clock.Advance(Timeout);
        Assert.All(await Task.WhenAll(tasks), r => Assert.Equal(KrpcResultStatus.Timeout, r.Status));
    }

    [Fact]
    public async Task Counters_WithMeterFactory_AreObservableOnTheKrpcMeter()
    {
        using var factory = new ScopedMeterFactory();
        using var listener = new MeterListener();
        var totals = new Dictionary<string, long>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        var served = new Dictionary<string, long>();
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value;
            foreach (var tag in tags)
            {
                if (instrument.Name == "dhtnet.krpc.queries.served" && tag.Key == "method")
                {
                    served[(string)tag.Value!] = served.GetValueOrDefault((string)tag.Value!) + value;
                }
            }
        });
        listener.Start();

        var (ta, tb) = FakeTransport.Pair();
        var clock = new VirtualTimeProvider();
        using var a = new KrpcDispatcher(ta, new Handler(IdA), clock, meterFactory: factory);
        using var b = new KrpcDispatcher(tb, new Handler(IdB), clock, meterFactory: factory);
        a.Start();
        b.Start();
        await a.SendQueryAsync(new PingQuery(IdA), tb.Local, Timeout);
        await b.SendQueryAsync(new PingQuery(IdB), ta.Local, Timeout);
        listener.RecordObservableInstruments();

        Assert.Equal(2, totals["dhtnet.krpc.queries.sent"]);
        Assert.Equal(2, totals["dhtnet.krpc.queries.received"]);
        Assert.Equal(2, served["ping"]);
        Assert.Equal(0, served["find_node"]);
        Assert.Equal(2, totals["dhtnet.krpc.responses.matched"]);
    }

    /// <summary>Answers ping, find_node (with its own node) and the rest with a ping-like id response.</summary>
    private sealed class Handler(NodeId id) : IKrpcQueryHandler
    {
        public List<(KrpcQuery Query, IPEndPoint Source)> Queries { get; } = [];

        public bool Silent { get; init; }

        public Func<KrpcQuery, KrpcMessage?>? Reply { get; init; }

        public KrpcMessage? Handle(KrpcQuery query, IPEndPoint source)
        {
            Queries.Add((query, source));
            if (Silent)
            {
                return null;
            }

            if (Reply is { } reply)
            {
                return reply(query);
            }

            return query switch
            {
                FindNodeQuery => new FindNodeResponse(id, [new NodeInfo(id, new IPEndPoint(IPAddress.Parse("10.0.0.2"), 1002))]),
                _ => new PingResponse(id),
            };
        }
    }
}
