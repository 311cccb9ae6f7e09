using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DhtNet.Tests.LibP2p.Host;

public sealed class LibP2pHostTests
{
    private static readonly TimeSpan Patience = TestHosts.Patience;

    [Fact]
    public async Task ConnectAsync_TwoHosts_IdentifyBothWays()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        var aLearned = new TaskCompletionSource<PeerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bLearned = new TaskCompletionSource<PeerIdentity>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.PeerIdentified += (_, identity) => aLearned.TrySetResult(identity);
        b.PeerIdentified += (_, identity) => bLearned.TrySetResult(identity);

        var connection = await a.ConnectAsync(TestHosts.AddressOf(b));
        Assert.Equal(b.PeerId, connection.RemotePeer);

        var aboutB = await aLearned.Task.WaitAsync(Patience);
        var aboutA = await bLearned.Task.WaitAsync(Patience);
        Assert.Equal(b.PeerId, aboutB.Peer);
        Assert.True(aboutB.Supports(TestHosts.Echo));
        Assert.True(aboutB.Supports(IdentifyProtocol.Id));
        Assert.True(aboutB.Supports(PingProtocol.Id));
        Assert.Equal(b.ListenAddresses, aboutB.ListenAddresses);
        Assert.Equal("dhtnet/0.1", aboutB.AgentVersion);
        Assert.Equal(a.PeerId, aboutA.Peer);
        Assert.Equal(a.ListenAddresses, aboutA.ListenAddresses);
        Assert.Equal(connection.LocalAddress, aboutB.ObservedAddress);
        Assert.Equal(aboutA, b.GetIdentity(a.PeerId));
        Assert.Contains(a.ListenAddresses[0], b.GetAddresses(a.PeerId));
    }

    [Fact]
    public async Task NewStreamAsync_ManyStreams_ReuseOneConnection()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        a.AddAddresses(b.PeerId, b.ListenAddresses);
        for (int i = 0; i < 10; i++)
        {
            byte[] data = RandomBytes.Create(1000 + i, seed: i);
            Assert.Equal(data, await TestHosts.EchoThroughAsync(a, b.PeerId, data));
        }

        Assert.Equal(1, a.ConnectionCount);
        Assert.Equal(1, b.ConnectionCount);
    }

    [Fact]
    public async Task Echo_HundredConcurrentStreamsOfOneMiB_BytesIntact()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        await a.ConnectAsync(TestHosts.AddressOf(b));
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            byte[] data = RandomBytes.Create(1024 * 1024, seed: i);
            byte[] back = await TestHosts.EchoThroughAsync(a, b.PeerId, data);
            return data.AsSpan().SequenceEqual(back);
        })).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(results, Assert.True);
        await Eventually.UntilAsync(() => a.StreamCount == 0 && b.StreamCount <= 1, "the streams are gone");
    }

    [Fact]
    public async Task PingAsync_BothWays_RoundTrips()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        await a.ConnectAsync(TestHosts.AddressOf(b));
        Assert.True(await a.PingAsync(b.PeerId) > TimeSpan.Zero);
        Assert.True(await b.PingAsync(a.PeerId) > TimeSpan.Zero);
        Assert.Equal(1, b.ConnectionCount);
    }

    [Fact]
    public async Task ConnectAsync_OverIPv6_Works()
    {
        await using var a = await TestHosts.StartAsync(listen: "/ip6/::1/tcp/0");
        await using var b = await TestHosts.StartAsync(listen: "/ip6/::1/tcp/0");
        var connection = await a.ConnectAsync(TestHosts.AddressOf(b));
        Assert.StartsWith("/ip6/::1/tcp/", connection.RemoteAddress.ToString(), StringComparison.Ordinal);
        Assert.True(await a.PingAsync(b.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task NewStreamAsync_UnsupportedProtocol_RefusedAndConnectionLives()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        await a.ConnectAsync(TestHosts.AddressOf(b));
        await Assert.ThrowsAsync<LibP2pProtocolException>(() => a.NewStreamAsync(b.PeerId, ["/nobody/1.0.0"]));
        Assert.True(await a.PingAsync(b.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Handler_Throws_StreamResetAndConnectionLives()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        b.SetStreamHandler("/fails/1.0.0", (_, _) => throw new InvalidOperationException("handler bug"));
        await a.ConnectAsync(TestHosts.AddressOf(b));

        // The reset may overtake the protocol echo (it drops what was buffered), so either step may see it.
        await Assert.ThrowsAsync<StreamResetException>(async () =>
        {
            await using var stream = await a.NewStreamAsync(b.PeerId, ["/fails/1.0.0"]);
            await stream.ReadExactlyAsync(new byte[1]).AsTask().WaitAsync(Patience);
        });
        Assert.True(await a.PingAsync(b.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task SetStreamHandler_AfterConnect_PeerLearnsThroughPush()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        var learned = new ConcurrentQueue<PeerIdentity>();
        a.PeerIdentified += (_, identity) => learned.Enqueue(identity);
        await a.ConnectAsync(TestHosts.AddressOf(b));
        await Eventually.UntilAsync(() => !learned.IsEmpty, "identify arrives");

        b.SetStreamHandler("/ipfs/kad/1.0.0", (_, _) => Task.CompletedTask);
        await Eventually.UntilAsync(() => a.GetIdentity(b.PeerId)?.Supports("/ipfs/kad/1.0.0") == true, "the push arrives");
        Assert.True(a.GetIdentity(b.PeerId)!.Supports(TestHosts.Echo));
    }

    [Fact]
    public async Task ConnectAsync_WrongPeerId_FailsThenBacksOff()
    {
        await using var a = await TestHosts.StartAsync();
        await using var b = await TestHosts.StartAsync();
        var impostor = Ed25519PrivateKey.Generate().PeerId;
        var first = await Assert.ThrowsAsync<IOException>(() => a.ConnectAsync(b.ListenAddresses[0].WithPeerId(impostor)));
        Assert.Contains("dialled", first.Message, StringComparison.Ordinal);
        var second = await Assert.ThrowsAsync<IOException>(() => a.ConnectAsync(impostor));
        Assert.Contains("not dialled again", second.Message, StringComparison.Ordinal);
        Assert.Equal(0, a.ConnectionCount);

        // The back-off is the impostor's alone: the real peer at the same address is dialled at once.
        await a.ConnectAsync(TestHosts.AddressOf(b));
        Assert.True(await a.PingAsync(b.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Connection_Idle_ClosedAndReported()
    {
        var options = new LibP2pHostOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        await using var a = await TestHosts.StartAsync(options);
        await using var b = await TestHosts.StartAsync();
        var gone = new TaskCompletionSource<LibP2pConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.PeerDisconnected += (_, connection) => gone.TrySetResult(connection);
        await a.ConnectAsync(TestHosts.AddressOf(b));
        var closed = await gone.Task.WaitAsync(Patience);
        Assert.Equal(b.PeerId, closed.RemotePeer);
        await Eventually.UntilAsync(() => a.ConnectionCount == 0 && b.ConnectionCount == 0, "both sides dropped the connection");
    }

    [Fact]
    public async Task Inbound_BeyondConnectionLimit_Refused()
    {
        await using var server = await TestHosts.StartAsync(new LibP2pHostOptions { MaxConnections = 1 });
        await using var first = await TestHosts.StartAsync();
        await using var second = await TestHosts.StartAsync();
        await first.ConnectAsync(TestHosts.AddressOf(server));
        await Assert.ThrowsAnyAsync<IOException>(() => second.ConnectAsync(TestHosts.AddressOf(server)));
        Assert.Equal(1, server.ConnectionCount);
        Assert.True(await first.PingAsync(server.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task HostilePeer_GarbageInsteadOfHandshake_OthersStillServed()
    {
        await using var server = await TestHosts.StartAsync();
        await using var client = await TestHosts.StartAsync();
        using var garbage = await RawConnectAsync(server);
        await garbage.SendAsync(RandomBytes.Create(5000, seed: 9));
        Assert.Equal(0, await ReceiveUntilClosedAsync(garbage));
        Assert.Equal(0, server.ConnectionCount);

        await client.ConnectAsync(TestHosts.AddressOf(server));
        Assert.True(await client.PingAsync(server.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task HostilePeer_HalfOpenNeverSpeaks_ClosedAfterHandshakeTimeout()
    {
        await using var server = await TestHosts.StartAsync(new LibP2pHostOptions { HandshakeTimeout = TimeSpan.FromSeconds(2) });
        using var silent = await RawConnectAsync(server);
        await Eventually.UntilAsync(() => server.PendingHandshakes == 1, "the handshake is pending");
        Assert.Equal(0, await ReceiveUntilClosedAsync(silent));
        await Eventually.UntilAsync(() => server.PendingHandshakes == 0, "the pending handshake is dropped");
    }

    [Fact]
    public async Task HostilePeer_ManySilentConnections_PendingHandshakesBounded()
    {
        var options = new LibP2pHostOptions { MaxPendingHandshakes = 4, HandshakeTimeout = TimeSpan.FromSeconds(20) };
        await using var server = await TestHosts.StartAsync(options);
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < 12; i++)
            {
                sockets.Add(await RawConnectAsync(server));
            }

            // Four wait in their handshake; the host closed the other eight at once.
            int closed = 0;
            foreach (var socket in sockets)
            {
                socket.ReceiveTimeout = 2000;
                try
                {
                    if (socket.Receive(new byte[64]) == 0)
                    {
                        closed++;
                    }
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                {
                    // Still pending: the server sent its multistream header... or nothing yet.
                }
                catch (SocketException)
                {
                    closed++;
                }
            }

            Assert.True(server.PendingHandshakes <= 4, $"{server.PendingHandshakes} pending");
            Assert.True(closed >= 8, $"{closed} closed");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task HostilePeer_UpgradesThenNeverReads_ClosedByKeepAlive_OthersServed()
    {
        var options = new LibP2pHostOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(200), KeepAliveTimeout = TimeSpan.FromMilliseconds(800) };
        await using var server = await TestHosts.StartAsync(options);
        server.SetStreamHandler("/flood/1.0.0", async (stream, token) =>
        {
            byte[] chunk = new byte[64 * 1024];
            while (true)
            {
                await stream.WriteAsync(chunk, token);
            }
        });
        var gone = new TaskCompletionSource<LibP2pConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.PeerDisconnected += (_, connection) => gone.TrySetResult(connection);

        // A real upgrade, then a yamux session that is never started: it opens a stream, asks for the
        // flood without waiting for the answer, and never reads another byte.
        using var socket = await RawConnectAsync(server);
        var network = new NetworkStream(socket);
        await MultistreamSelect.SelectAsync(network, [NoiseSecurity.ProtocolId]);
        var identity = Ed25519PrivateKey.Generate();
        var secure = await NoiseSecurity.SecureOutboundAsync(network, identity, server.PeerId);
        await MultistreamSelect.SelectAsync(secure, [YamuxSession.ProtocolId]);
        var deaf = new YamuxSession(secure, isClient: true);
        var stream = deaf.OpenStream();
        await stream.WriteAsync(MultistreamSelect.Encode([MultistreamSelect.ProtocolId, "/flood/1.0.0"]));

        var closed = await gone.Task.WaitAsync(Patience);
        Assert.Equal(identity.PeerId, closed.RemotePeer);
        Assert.Contains("keep-alive", closed.CloseReason!.Message, StringComparison.Ordinal);

        await using var honest = await TestHosts.StartAsync();
        await honest.ConnectAsync(TestHosts.AddressOf(server));
        Assert.True(await honest.PingAsync(server.PeerId) > TimeSpan.Zero);
    }

    private static async Task<Socket> RawConnectAsync(LibP2pHost host)
    {
        Assert.True(host.ListenAddresses[0].TryGetTcpEndPoint(out var endPoint));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint);
        return socket;
    }

    // Reads until the host closes the connection; returns the bytes of the last read (0 at a clean close).
    private static async Task<int> ReceiveUntilClosedAsync(Socket socket)
    {
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, timeout.Token);
            }
            catch (SocketException)
            {
                return 0;
            }

            if (n == 0)
            {
                return 0;
            }
        }
    }
}
