using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.Transport;

public class UdpTransportTests
{
    private static readonly IPEndPoint Loopback4 = new(IPAddress.Loopback, 0);
    private static readonly IPEndPoint Loopback6 = new(IPAddress.IPv6Loopback, 0);

    [Fact]
    public async Task Send_BetweenTwoLoopbackTransports_DeliversPayloadAndSourceBothWays()
    {
        await using var a = new UdpTransport([Loopback4]);
        await using var b = new UdpTransport([Loopback4]);
        var inboxA = new DatagramInbox();
        var inboxB = new DatagramInbox();
        a.Start(inboxA.Handler);
        b.Start(inboxB.Handler);

        Assert.True(a.Send("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"u8, b.LocalEndPoints[0]));
        var (request, from) = await inboxB.ReceiveAsync();
        Assert.Equal("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"u8.ToArray(), request);
        Assert.Equal(a.LocalEndPoints[0], from);

        Assert.True(b.Send("pong"u8, from));
        var (reply, replyFrom) = await inboxA.ReceiveAsync();
        Assert.Equal("pong"u8.ToArray(), reply);
        Assert.Equal(b.LocalEndPoints[0], replyFrom);

        Assert.Equal(1, a.Counters.DatagramsSent);
        Assert.Equal(request.Length, a.Counters.BytesSent);
        Assert.Equal(1, b.Counters.DatagramsReceived);
        Assert.Equal(request.Length, b.Counters.BytesReceived);
    }

    [Fact]
    public async Task Send_OverIPv6Loopback_Delivers()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return; // Nothing to test on a machine without IPv6; where the OS claims it, ::1 must work.
        }

        await using var a = new UdpTransport([Loopback6]);
        await using var b = new UdpTransport([Loopback6]);
        var inbox = new DatagramInbox();
        b.Start(inbox.Handler);
        a.Start((_, _) => { });

        Assert.True(a.Send("v6"u8, b.LocalEndPoints[0]));
        var (data, source) = await inbox.ReceiveAsync();

        Assert.Equal("v6"u8.ToArray(), data);
        Assert.Equal(a.LocalEndPoints[0], source);
        Assert.Equal(AddressFamily.InterNetworkV6, source.AddressFamily);
    }

    [Fact]
    public async Task Constructor_DefaultPortZero_BindsBothFamiliesOnOneOsChosenPort()
    {
        // The same port is tried, not guaranteed: another process may hold it on IPv6 only.
        bool samePort = false;
        for (int attempt = 0; attempt < 3 && !samePort; attempt++)
        {
            await using var transport = new UdpTransport(0);
            Assert.NotNull(transport.IPv4EndPoint);
            Assert.NotEqual(0, transport.IPv4EndPoint.Port);
            Assert.Equal(IPAddress.Any, transport.IPv4EndPoint.Address);
            if (!Socket.OSSupportsIPv6)
            {
                Assert.Null(transport.IPv6EndPoint);
                Assert.NotNull(transport.IPv6UnavailableReason);
                return;
            }

            Assert.True(transport.IPv6EndPoint is not null, transport.IPv6UnavailableReason);
            Assert.Equal(IPAddress.IPv6Any, transport.IPv6EndPoint.Address);
            Assert.Equal(2, transport.LocalEndPoints.Count);
            samePort = transport.IPv6EndPoint.Port == transport.IPv4EndPoint.Port;
        }

        Assert.True(samePort);
    }

    [Fact]
    public async Task Constructor_IPv6AddressNotOnThisMachine_CarriesOnWithIPv4AndSaysWhy()
    {
        var unassigned = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 0); // documentation prefix
        await using var transport = new UdpTransport([Loopback4, unassigned]);

        Assert.NotNull(transport.IPv4EndPoint);
        Assert.Null(transport.IPv6EndPoint);
        Assert.NotNull(transport.IPv6UnavailableReason);
        Assert.Single(transport.LocalEndPoints);
    }

    [Fact]
    public void Constructor_OnlyAnUnavailableIPv6Address_Throws()
    {
        var unassigned = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 0);

        Assert.ThrowsAny<SocketException>(() => new UdpTransport([unassigned]));
    }

    [Fact]
    public void Constructor_TwoEndPointsOfOneFamily_Throws()
    {
        Assert.Throws<ArgumentException>(() => new UdpTransport([Loopback4, new IPEndPoint(IPAddress.Loopback, 0)]));
        Assert.Throws<ArgumentException>(() => new UdpTransport(Array.Empty<IPEndPoint>()));
    }

    [Fact]
    public async Task Send_IPv4MappedIPv6Destination_GoesOutOverIPv4()
    {
        await using var a = new UdpTransport([Loopback4]);
        await using var b = new UdpTransport([Loopback4]);
        var inbox = new DatagramInbox();
        b.Start(inbox.Handler);
        var mapped = new IPEndPoint(IPAddress.Loopback.MapToIPv6(), b.LocalEndPoints[0].Port);

        Assert.True(a.Send("mapped"u8, mapped));
        var (data, source) = await inbox.ReceiveAsync();

        Assert.Equal("mapped"u8.ToArray(), data);
        Assert.Equal(a.LocalEndPoints[0], source);
    }

    [Fact]
    public async Task Send_FamilyWithoutSocket_ReturnsFalseAndCounts()
    {
        await using var a = new UdpTransport([Loopback4]);

        Assert.False(a.Send("x"u8, new IPEndPoint(IPAddress.IPv6Loopback, 6881)));
        Assert.Equal(1, a.Counters.SendFailures);
        Assert.Equal(0, a.Counters.DatagramsSent);
    }

    [Fact]
    public async Task Receive_HandlerThrows_NextDatagramStillDelivered()
    {
        await using var a = new UdpTransport([Loopback4]);
        await using var b = new UdpTransport([Loopback4]);
        var inbox = new DatagramInbox
        {
            BeforeQueue = data =>
            {
                if (data.SequenceEqual("boom"u8))
                {
                    throw new InvalidOperationException("handler bug");
                }
            },
        };
        b.Start(inbox.Handler);

        a.Send("boom"u8, b.LocalEndPoints[0]);
        a.Send("after"u8, b.LocalEndPoints[0]);
        var (data, _) = await inbox.ReceiveAsync();

        Assert.Equal("after"u8.ToArray(), data);
        Assert.Equal(1, b.Counters.HandlerFaults);
        Assert.Equal(2, b.Counters.DatagramsReceived);
    }

    [Fact]
    public async Task Receive_OversizedAndGarbageDatagrams_DropsOversizedAndKeepsRunning()
    {
        await using var b = new UdpTransport([Loopback4]);
        var inbox = new DatagramInbox();
        b.Start(inbox.Handler);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        raw.Bind(Loopback4);
        var target = b.LocalEndPoints[0];
        var garbage = new byte[700];
        new Random(42).NextBytes(garbage);
        var exactlyMax = new byte[UdpTransportOptions.DefaultMaxDatagramSize];
        exactlyMax.AsSpan().Fill(0x65);

        raw.SendTo(new byte[UdpTransportOptions.DefaultMaxDatagramSize + 1], target);
        raw.SendTo(new byte[9000], target);
        raw.SendTo(garbage, target);
        raw.SendTo(Array.Empty<byte>(), target);
        raw.SendTo(exactlyMax, target);

        Assert.Equal(garbage, (await inbox.ReceiveAsync()).Data);
        Assert.Empty((await inbox.ReceiveAsync()).Data);
        Assert.Equal(exactlyMax, (await inbox.ReceiveAsync()).Data);
        Assert.Equal(2, b.Counters.DatagramsDropped);
        Assert.Equal(3, b.Counters.DatagramsReceived);
    }

    [Fact]
    public async Task Receive_AfterSendingToClosedPort_LoopSurvives()
    {
        await using var a = new UdpTransport([Loopback4]);
        await using var b = new UdpTransport([Loopback4]);
        var inbox = new DatagramInbox();
        a.Start(inbox.Handler);
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(Loopback4);
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        // Provokes ICMP port unreachable, which some platforms report on the next receive.
        for (int i = 0; i < 5; i++)
        {
            a.Send("anyone?"u8, new IPEndPoint(IPAddress.Loopback, closedPort));
        }

        b.Send("still here"u8, a.LocalEndPoints[0]);
        var (data, _) = await inbox.ReceiveAsync();

        Assert.Equal("still here"u8.ToArray(), data);
    }

    [Fact]
    public async Task DisposeAsync_Started_CompletesStopsSendingAndReleasesPort()
    {
        var a = new UdpTransport([Loopback4]);
        a.Start((_, _) => { });
        var endPoint = a.LocalEndPoints[0];

        await a.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(a.Send("late"u8, new IPEndPoint(IPAddress.Loopback, 9)));
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        rebind.Bind(endPoint); // would throw AddressAlreadyInUse if the socket were still open
        await a.DisposeAsync(); // second call is a no-op
        Assert.Equal(endPoint, a.IPv4EndPoint);
        Assert.Throws<ObjectDisposedException>(() => a.Start((_, _) => { }));
    }

    [Fact]
    public async Task DisposeAsync_NeverStarted_Completes()
    {
        var a = new UdpTransport([Loopback4]);

        await a.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(a.Send("x"u8, new IPEndPoint(IPAddress.Loopback, 9)));
    }

    [Fact]
    public async Task Start_Twice_Throws()
    {
        await using var a = new UdpTransport([Loopback4]);
        a.Start((_, _) => { });

        Assert.Throws<InvalidOperationException>(() => a.Start((_, _) => { }));
    }

    [Fact]
    public async Task Receive_ManyPeers_ReportsEachSourceCorrectly()
    {
        await using var b = new UdpTransport([Loopback4]);
        var inbox = new DatagramInbox();
        b.Start(inbox.Handler);
        await using var senders = new LoopbackSenders(20);

        // Two rounds: the second one hits the source cache.
        for (int round = 0; round < 2; round++)
        {
            foreach (var sender in senders.All)
            {
                sender.Send(BitConverter.GetBytes(sender.LocalEndPoints[0].Port), b.LocalEndPoints[0]);
                var (data, source) = await inbox.ReceiveAsync();
                Assert.Equal(sender.LocalEndPoints[0], source);
                Assert.Equal(sender.LocalEndPoints[0].Port, BitConverter.ToInt32(data));
            }
        }
    }

    [Fact]
    public async Task Receive_ReusePortGroupOfFour_DeliversEveryPeersDatagramsInOrder()
    {
        await using var server = new UdpTransport(new UdpTransportOptions { BindEndPoints = [Loopback4], ReceiveSockets = 4 });
        Assert.Equal(OperatingSystem.IsLinux() ? 4 : 1, server.ReceiveSockets);
        var inbox = new DatagramInbox();
        server.Start(inbox.Handler);
        await using var senders = new LoopbackSenders(8);
        const int PerSender = 50;
        for (int n = 0; n < PerSender; n++)
        {
            foreach (var sender in senders.All)
            {
                Assert.True(sender.Send(BitConverter.GetBytes(n), server.LocalEndPoints[0]));
            }
        }

        // The kernel hashes each sender to one socket of the group, so each sender's datagrams
        // are handled by one thread, in the order they were sent.
        var next = new Dictionary<IPEndPoint, int>();
        for (int i = 0; i < PerSender * senders.All.Count; i++)
        {
            var (data, source) = await inbox.ReceiveAsync();
            int expected = next.GetValueOrDefault(source);
            Assert.Equal(expected, BitConverter.ToInt32(data));
            next[source] = expected + 1;
        }

        Assert.Equal(senders.All.Select(s => s.LocalEndPoints[0].Port).Order(), next.Keys.Select(e => e.Port).Order());
    }

    [Fact]
    public async Task Constructor_ReusePortGroupOnAPortAnotherGroupHolds_Throws()
    {
        await using var first = new UdpTransport(new UdpTransportOptions { BindEndPoints = [Loopback4], ReceiveSockets = 2 });
        var taken = first.LocalEndPoints[0];

        // SO_REUSEPORT would let a second group share the port; the probe bind refuses it as before.
        var error = Assert.Throws<SocketException>(() => new UdpTransport(new UdpTransportOptions { BindEndPoints = [taken], ReceiveSockets = 2 }));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task Constructor_Default_AsksForAFourMebibyteReceiveBuffer()
    {
        await using var transport = new UdpTransport([Loopback4]);
        if (!OperatingSystem.IsLinux())
        {
            Assert.True(transport.ReceiveBufferSize > 0);
            return;
        }

        // Linux grants at most net.core.rmem_max and reports twice what it keeps for the data.
        int max = int.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(2 * Math.Min(UdpTransportOptions.DefaultSocketReceiveBufferSize, max), transport.ReceiveBufferSize);
    }

    /// <summary>Transports on 127.0.0.1 that send to the one under test, closed together.</summary>
    private sealed class LoopbackSenders : IAsyncDisposable
    {
        public LoopbackSenders(int count)
        {
            for (int i = 0; i < count; i++)
            {
                All.Add(new UdpTransport([Loopback4]));
            }
        }

        public List<UdpTransport> All { get; } = [];

        public async ValueTask DisposeAsync()
        {
            foreach (var sender in All)
            {
                await sender.DisposeAsync();
            }
        }
    }
}
