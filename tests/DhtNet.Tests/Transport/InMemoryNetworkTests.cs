using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Transport;

public class InMemoryNetworkTests
{
    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static (VirtualTimeProvider Clock, InMemoryNetwork Network) Create(
        TimeSpan? latency = null, TimeSpan? jitter = null, double loss = 0, int seed = 1)
    {
        var clock = new VirtualTimeProvider();
        var network = new InMemoryNetwork(clock, new InMemoryNetworkOptions
        {
            Latency = latency ?? Ms(20),
            Jitter = jitter ?? TimeSpan.Zero,
            LossRate = loss,
            Seed = seed,
        });
        return (clock, network);
    }

    [Fact]
    public void Send_WithLatency_DeliveredExactlyWhenLatencyHasPassed()
    {
        var (clock, network) = Create(latency: Ms(50));
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var arrivals = new List<(TimeSpan At, IPEndPoint From)>();
        b.Start((_, source) => arrivals.Add((clock.Elapsed, source)));

        Assert.True(a.Send("hi"u8, b.EndPoint));
        clock.Advance(Ms(49));
        Assert.Empty(arrivals);

        clock.Advance(Ms(1));
        Assert.Equal([(Ms(50), a.EndPoint)], arrivals);
        Assert.Equal(1, network.DatagramsDelivered);
    }

    [Fact]
    public void Send_ReplyFromInsideHandler_HappensBeforeTheClockMovesOn()
    {
        var (clock, network) = Create(latency: Ms(10));
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        TimeSpan? replyAt = null;
        b.Start((datagram, source) => b.Send(datagram, source));
        a.Start((_, _) => replyAt = clock.Elapsed);

        a.Send("ping"u8, b.EndPoint);
        clock.Advance(Ms(20));

        Assert.Equal(Ms(20), replyAt);
    }

    [Fact]
    public void Send_ZeroLatencyChain_CompletesWithinOneTimerFiring()
    {
        var (clock, network) = Create(latency: TimeSpan.Zero);
        var nodes = Enumerable.Range(0, 100).Select(_ => network.CreateTransport()).ToArray();
        int hops = 0;
        for (int i = 0; i < nodes.Length; i++)
        {
            int next = i + 1;
            var self = nodes[i];
            self.Start((datagram, _) =>
            {
                hops++;
                if (next < nodes.Length)
                {
                    self.Send(datagram, nodes[next].EndPoint);
                }
            });
        }

        nodes[0].Send("x"u8, nodes[1].EndPoint);

        Assert.True(clock.AdvanceToNextTimer());
        Assert.Equal(99, hops);
        Assert.Equal(TimeSpan.Zero, clock.Elapsed);
        Assert.False(clock.AdvanceToNextTimer());
    }

    [Fact]
    public void Send_WithTwentyPercentLoss_LosesAboutOneFifthAndRepeatsWithSameSeed()
    {
        static (long Delivered, long Lost) Run(int seed)
        {
            var (clock, network) = Create(loss: 0.2, seed: seed);
            var a = network.CreateTransport();
            var b = network.CreateTransport();
            b.Start((_, _) => { });
            for (int i = 0; i < 10_000; i++)
            {
                a.Send("x"u8, b.EndPoint);
            }

            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(10_000, network.DatagramsSent);
            Assert.Equal(10_000, network.DatagramsDelivered + network.DatagramsLost);
            Assert.Equal(network.DatagramsDelivered, b.Counters.DatagramsReceived);
            return (network.DatagramsDelivered, network.DatagramsLost);
        }

        var first = Run(seed: 7);

        // Binomial(10000, 0.2): standard deviation 40, so 5 sigma is 200.
        Assert.InRange(first.Lost, 1_800, 2_200);
        Assert.Equal(first, Run(seed: 7));
    }

    [Fact]
    public void Send_WithJitter_DeliversInDueTimeOrderWithinLatencyBounds()
    {
        var (clock, network) = Create(latency: Ms(30), jitter: Ms(100), seed: 3);
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var arrivals = new List<(TimeSpan At, int Sequence)>();
        b.Start((datagram, _) => arrivals.Add((clock.Elapsed, BinaryPrimitives.ReadInt32LittleEndian(datagram))));
        Span<byte> payload = stackalloc byte[4];
        for (int i = 0; i < 1_000; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(payload, i);
            a.Send(payload, b.EndPoint);
        }

        clock.Advance(Ms(200));

        Assert.Equal(1_000, arrivals.Count);
        for (int i = 0; i < arrivals.Count; i++)
        {
            Assert.InRange(arrivals[i].At, Ms(30), Ms(130));
            if (i > 0)
            {
                Assert.True(arrivals[i - 1].At <= arrivals[i].At, $"arrival {i} went back in time");
            }
        }

        // Jitter must actually reorder: arrival order is not send order.
        Assert.NotEqual(Enumerable.Range(0, 1_000), arrivals.Select(x => x.Sequence));
    }

    [Fact]
    public void Send_ManyAtSameInstantWithoutJitter_DeliveredInSendOrder()
    {
        var (clock, network) = Create(latency: Ms(5));
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var order = new List<byte>();
        b.Start((datagram, _) => order.Add(datagram[0]));

        for (int i = 0; i < 200; i++)
        {
            a.Send([(byte)i], b.EndPoint);
        }

        clock.Advance(Ms(5));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (byte)i), order);
    }

    [Fact]
    public void Send_SenderReusesBuffer_ReceiverSeesBytesAsSent()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var received = new List<byte[]>();
        b.Start((datagram, _) => received.Add(datagram.ToArray()));
        byte[] buffer = "first"u8.ToArray();

        a.Send(buffer, b.EndPoint);
        "XXXXX"u8.CopyTo(buffer);
        a.Send(buffer, b.EndPoint);
        "YYYYY"u8.CopyTo(buffer);
        clock.Advance(Ms(20));

        Assert.Equal(["first"u8.ToArray(), "XXXXX"u8.ToArray()], received);
    }

    [Fact]
    public void Send_EmptyDatagram_DeliveredAsEmpty()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        int? length = null;
        b.Start((datagram, _) => length = datagram.Length);

        Assert.True(a.Send(ReadOnlySpan<byte>.Empty, b.EndPoint));
        clock.Advance(Ms(20));

        Assert.Equal(0, length);
    }

    [Fact]
    public void Send_UnknownDestination_DroppedSilentlyAndCounted()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();

        Assert.True(a.Send("x"u8, new IPEndPoint(IPAddress.Parse("10.99.99.99"), 6881)));
        clock.Advance(Ms(20));

        Assert.Equal(1, network.DatagramsDropped);
        Assert.Equal(0, network.DatagramsDelivered);
    }

    [Fact]
    public void Send_ManyDatagrams_UsesOneClockTimer()
    {
        var (clock, network) = Create(jitter: Ms(50));
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        b.Start((_, _) => { });

        for (int i = 0; i < 1_000; i++)
        {
            a.Send("x"u8, b.EndPoint);
        }

        Assert.Equal(1, clock.PendingTimers);
        Assert.Equal(1_000, network.InFlight);
        clock.Advance(Ms(100));
        Assert.Equal(0, network.InFlight);
        Assert.Equal(0, clock.PendingTimers);
    }

    [Fact]
    public void IsOnline_False_DropsInFlightAndFailsSendsUntilBackOnline()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        int received = 0;
        b.Start((_, _) => received++);

        a.Send("in flight"u8, b.EndPoint);
        b.IsOnline = false;
        clock.Advance(Ms(20));
        Assert.Equal(0, received);
        Assert.Equal(1, network.DatagramsDropped);
        Assert.False(b.Send("x"u8, a.EndPoint));
        Assert.Equal(1, b.Counters.SendFailures);

        b.IsOnline = true;
        a.Send("again"u8, b.EndPoint);
        clock.Advance(Ms(20));
        Assert.Equal(1, received);
    }

    [Fact]
    public async Task DisposeAsync_Transport_DropsItsTrafficAndFreesItsEndPoint()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        int oldReceived = 0;
        b.Start((_, _) => oldReceived++);

        a.Send("x"u8, b.EndPoint);
        await b.DisposeAsync();
        clock.Advance(Ms(20));
        Assert.Equal(0, oldReceived);
        Assert.False(b.Send("x"u8, a.EndPoint));
        Assert.False(network.TryGetTransport(b.EndPoint, out _));

        // The same address can come back, like a restarted node.
        var restarted = network.CreateTransport(b.EndPoint);
        int newReceived = 0;
        restarted.Start((_, _) => newReceived++);
        a.Send("x"u8, b.EndPoint);
        clock.Advance(Ms(20));
        Assert.Equal(1, newReceived);
        Assert.Equal(0, oldReceived);
    }

    [Fact]
    public void SetLinkLossRate_OneDirection_OverridesGlobalRateUntilCleared()
    {
        var (clock, network) = Create(loss: 0);
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        int atA = 0, atB = 0;
        a.Start((_, _) => atA++);
        b.Start((_, _) => atB++);

        network.SetLinkLossRate(a.EndPoint, b.EndPoint, 1.0);
        for (int i = 0; i < 10; i++)
        {
            a.Send("x"u8, b.EndPoint);
            b.Send("x"u8, a.EndPoint);
        }

        clock.Advance(Ms(20));
        Assert.Equal(0, atB);
        Assert.Equal(10, atA);
        Assert.Equal(10, network.DatagramsLost);

        network.SetLinkLossRate(a.EndPoint, b.EndPoint, null);
        a.Send("x"u8, b.EndPoint);
        clock.Advance(Ms(20));
        Assert.Equal(1, atB);
    }

    [Fact]
    public void LossRate_ChangedAtRunTime_AppliesToLaterSends()
    {
        var (clock, network) = Create(loss: 0);
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        int received = 0;
        b.Start((_, _) => received++);

        network.LossRate = 1.0;
        a.Send("x"u8, b.EndPoint);
        network.LossRate = 0;
        a.Send("x"u8, b.EndPoint);
        clock.Advance(Ms(20));

        Assert.Equal(1, received);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.LossRate = 1.5);
    }

    [Fact]
    public void Deliver_HandlerThrows_CountedAndNextDatagramDelivered()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var received = new List<string>();
        b.Start((datagram, _) =>
        {
            if (datagram.SequenceEqual("boom"u8))
            {
                throw new InvalidOperationException("handler bug");
            }

            received.Add(System.Text.Encoding.ASCII.GetString(datagram));
        });

        a.Send("boom"u8, b.EndPoint);
        a.Send("fine"u8, b.EndPoint);
        clock.Advance(Ms(20));

        Assert.Equal(["fine"], received);
        Assert.Equal(1, b.Counters.HandlerFaults);
    }

    [Fact]
    public void Send_OversizedOrBeforeStart_Dropped()
    {
        var (clock, network) = Create();
        var a = network.CreateTransport();
        var b = network.CreateTransport();

        a.Send(new byte[UdpTransportOptions.DefaultMaxDatagramSize + 1], b.EndPoint);
        a.Send("early"u8, b.EndPoint);
        clock.Advance(Ms(20));

        Assert.Equal(2, network.DatagramsDropped);
        Assert.Equal(1, b.Counters.DatagramsDropped);
    }

    [Fact]
    public void CreateTransport_AutomaticAddresses_AreDistinctAndOfTheAskedFamily()
    {
        var (_, network) = Create();
        var seen = new HashSet<IPEndPoint>();
        for (int i = 0; i < 600; i++)
        {
            var t = network.CreateTransport();
            Assert.Equal(AddressFamily.InterNetwork, t.EndPoint.AddressFamily);
            byte[] bytes = t.EndPoint.Address.GetAddressBytes();
            Assert.Equal(10, bytes[0]);
            Assert.InRange(bytes[3], 1, 254);
            Assert.True(seen.Add(t.EndPoint));
        }

        var v6 = network.CreateTransport(AddressFamily.InterNetworkV6);
        Assert.Equal(AddressFamily.InterNetworkV6, v6.EndPoint.AddressFamily);
        Assert.Equal(0xfd, v6.EndPoint.Address.GetAddressBytes()[0]);

        var dual = network.CreateDualStackTransport();
        Assert.Equal([AddressFamily.InterNetwork, AddressFamily.InterNetworkV6], dual.LocalEndPoints.Select(e => e.AddressFamily));
        Assert.Equal(602, network.TransportCount);
    }

    [Fact]
    public void CreateTransport_ExplicitEndPoints_TakenAddressThrowsAndPortZeroPicksFreePort()
    {
        var (_, network) = Create();
        var fixedEndPoint = new IPEndPoint(IPAddress.Parse("127.0.0.5"), 7000);
        var t = network.CreateTransport(fixedEndPoint);

        Assert.Equal(fixedEndPoint, t.EndPoint);
        Assert.Throws<InvalidOperationException>(() => network.CreateTransport(fixedEndPoint));
        Assert.Throws<ArgumentException>(() => network.CreateTransport(new IPEndPoint(IPAddress.Any, 1)));

        var p1 = network.CreateTransport(new IPEndPoint(IPAddress.Parse("127.0.0.5"), 0));
        var p2 = network.CreateTransport(new IPEndPoint(IPAddress.Parse("127.0.0.5"), 0));
        Assert.NotEqual(0, p1.EndPoint.Port);
        Assert.NotEqual(p1.EndPoint, p2.EndPoint);
    }

    [Fact]
    public void Send_DualStack_UsesSourceOfDestinationFamilyAndMapsIPv4MappedDestinations()
    {
        var (clock, network) = Create();
        var dual = network.CreateDualStackTransport();
        var v4 = network.CreateTransport();
        var v6 = network.CreateTransport(AddressFamily.InterNetworkV6);
        var sources = new List<IPEndPoint>();
        v4.Start((_, s) => sources.Add(s));
        v6.Start((_, s) => sources.Add(s));

        Assert.True(dual.Send("x"u8, v6.EndPoint));
        Assert.True(dual.Send("x"u8, new IPEndPoint(v4.EndPoint.Address.MapToIPv6(), v4.EndPoint.Port)));
        Assert.False(v4.Send("x"u8, v6.EndPoint)); // no IPv6 address: like a socket-less family
        clock.Advance(Ms(20));

        Assert.Equal([dual.LocalEndPoints[1], dual.LocalEndPoints[0]], sources);
        Assert.Equal(1, v4.Counters.SendFailures);
    }

    [Fact]
    public async Task Send_OnSystemClock_DeliversFromTimerThread()
    {
        using var network = new InMemoryNetwork(TimeProvider.System, new InMemoryNetworkOptions { Latency = Ms(1) });
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var pong = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Start((datagram, source) => b.Send(datagram, source));
        a.Start((_, source) => pong.TrySetResult(source));

        a.Send("ping"u8, b.EndPoint);

        Assert.Equal(b.EndPoint, await pong.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        var (_, network) = Create();
        var a = network.CreateTransport();
        a.Start((_, _) => { });

        Assert.Throws<InvalidOperationException>(() => a.Start((_, _) => { }));
    }

    [Fact]
    public void Exchange_TwoThousandNodesTwoHundredThousandDatagrams_AllDeliveredAndAnswered()
    {
        var (clock, network) = Create(latency: Ms(20), jitter: Ms(30), seed: 11);
        const int Nodes = 2_000;
        const int RequestsPerNode = 50;
        var transports = new InMemoryTransport[Nodes];
        long replies = 0;
        for (int i = 0; i < Nodes; i++)
        {
            var self = transports[i] = network.CreateTransport();
            self.Start((datagram, source) =>
            {
                if (datagram[0] == (byte)'q')
                {
                    Span<byte> reply = stackalloc byte[32];
                    reply[0] = (byte)'r';
                    self.Send(reply, source);
                }
                else
                {
                    replies++;
                }
            });
        }

        var random = new Random(5);
        Span<byte> query = stackalloc byte[64];
        query[0] = (byte)'q';

        // Requests spread over 10 seconds of virtual time, as a busy network would send them.
        for (int round = 0; round < RequestsPerNode; round++)
        {
            foreach (var sender in transports)
            {
                sender.Send(query, transports[random.Next(Nodes)].EndPoint);
            }

            clock.Advance(Ms(200));
        }

        while (clock.AdvanceToNextTimer())
        {
        }

        Assert.Equal(Nodes * RequestsPerNode * 2, network.DatagramsDelivered);
        Assert.Equal(Nodes * RequestsPerNode, replies);
        Assert.Equal(0, network.InFlight);
    }
}
