using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace DhtNet.Interop.Tests.LibP2p;

/// <summary>DhtNet's libp2p stack against js-libp2p 3.3.11: TCP, multistream-select, Noise, yamux, identify, ping.</summary>
public sealed class JsLibp2pInteropTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DhtNetDialsJs_IdentifyBothWays_EachSeesProtocolsAndAddresses()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        var learned = Learned(host);

        var connection = await host.ConnectAsync(js.Addresses[0]);
        Assert.Equal(js.PeerId, connection.RemotePeer);
        Assert.False(connection.IsInbound);

        var aboutJs = await WaitForIdentityAsync(learned, js.PeerId);
        Assert.True(aboutJs.Supports(JsLibp2pPeer.Echo));
        Assert.True(aboutJs.Supports(IdentifyProtocol.Id));
        Assert.True(aboutJs.Supports(PingProtocol.Id));
        Assert.Equal(js.Addresses.Select(a => a.WithoutPeerId()), aboutJs.ListenAddresses);
        Assert.StartsWith("js-libp2p/", aboutJs.AgentVersion, StringComparison.Ordinal);
        Assert.Equal(connection.LocalAddress, aboutJs.ObservedAddress?.WithoutPeerId());

        var aboutUs = await js.WaitForIdentifyAsync(host.PeerId);
        var protocols = aboutUs["protocols"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray();
        Assert.Contains(EchoProtocol, protocols);
        Assert.Contains(IdentifyProtocol.Id, protocols);
        Assert.Contains(IdentifyProtocol.PushId, protocols);
        Assert.Contains(PingProtocol.Id, protocols);
        Assert.Contains(host.ListenAddresses[0].ToString(), aboutUs["listenAddrs"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("dhtnet/0.1", aboutUs["agentVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task JsDialsDhtNet_IdentifyBothWays_EachSeesProtocolsAndAddresses()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        var learned = Learned(host);

        Assert.Equal(host.PeerId, await js.DialAsync(host.ListenAddresses[0].WithPeerId(host.PeerId)));
        var aboutJs = await WaitForIdentityAsync(learned, js.PeerId);
        Assert.True(aboutJs.Supports(JsLibp2pPeer.Sink));
        Assert.Equal(js.Addresses.Select(a => a.WithoutPeerId()), aboutJs.ListenAddresses);
        Assert.True(host.GetConnection(js.PeerId)!.IsInbound);

        await js.WaitForIdentifyAsync(host.PeerId);
        var (protocols, addresses) = await js.PeerAsync(host.PeerId);
        Assert.Contains(EchoProtocol, protocols);
        Assert.Contains(PingProtocol.Id, protocols);
        Assert.Contains(host.ListenAddresses[0].ToString(), addresses);
    }

    [Fact]
    public async Task Ping_BothWays_Answered()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        await host.ConnectAsync(js.Addresses[0]);
        Assert.True(await host.PingAsync(js.PeerId) > TimeSpan.Zero);
        Assert.True(await js.PingAsync(host.PeerId) >= 0);
        Assert.True(await host.PingAsync(js.PeerId) > TimeSpan.Zero);
        Assert.Equal(1, host.ConnectionCount);
    }

    [Fact]
    public async Task IdentifyPush_NewHandlerAfterConnect_JsLearnsIt()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        await host.ConnectAsync(js.Addresses[0]);
        await js.WaitForIdentifyAsync(host.PeerId);

        host.SetStreamHandler("/ipfs/kad/1.0.0", (_, _) => Task.CompletedTask);
        await js.WaitForIdentifyAsync(host.PeerId, e => e["protocols"]!.AsArray().Any(p => p!.GetValue<string>() == "/ipfs/kad/1.0.0"));

        await js.HandleAsync("/ipfs/kad/1.0.0");
        await TestWait.UntilAsync(() => host.GetIdentity(js.PeerId)?.Supports("/ipfs/kad/1.0.0") == true, "js's push arrives", Patience);
    }

    [Fact]
    public async Task Echo_HundredConcurrentStreamsOfOneMiB_DhtNetToJs_BytesIntact()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        await host.ConnectAsync(js.Addresses[0]);
        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            byte[] data = new byte[1024 * 1024];
            new Random(i).NextBytes(data);
            byte[] back = await EchoThroughAsync(host, js.PeerId, JsLibp2pPeer.Echo, data);
            return back.AsSpan().SequenceEqual(data);
        })).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(100, results.Count(ok => ok));
        await TestWait.UntilAsync(() => host.StreamCount == 0, "DhtNet's streams are gone", Patience);
    }

    [Fact]
    public async Task Echo_HundredConcurrentStreamsOfOneMiB_JsToDhtNet_BytesIntact()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        await js.DialAsync(host.ListenAddresses[0].WithPeerId(host.PeerId));
        Assert.Equal(100, await js.EchoAsync(host.PeerId, streams: 100, size: 1024 * 1024));
        await TestWait.UntilAsync(() => host.StreamCount == 0, "DhtNet's streams are gone", Patience);
        Assert.Equal(1, host.ConnectionCount);
    }

    [Theory]
    [InlineData("close")]
    [InlineData("reset")]
    public async Task JsEndsStreamsMidTransfer_DhtNetCleansUp(string mode)
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        var sunk = new ConcurrentBag<long>();
        var failed = new ConcurrentBag<Exception>();
        host.SetStreamHandler(JsLibp2pPeer.Sink, async (stream, token) =>
        {
            try
            {
                sunk.Add(await SinkAsync(stream, token));
            }
            catch (Exception e)
            {
                failed.Add(e);
                throw;
            }
        });
        await js.DialAsync(host.ListenAddresses[0].WithPeerId(host.PeerId));
        await js.InterruptAsync(host.PeerId, mode, streams: 20, after: 300_000);

        await TestWait.UntilAsync(() => sunk.Count + failed.Count == 20, "every sink handler has finished", Patience);
        await TestWait.UntilAsync(() => host.StreamCount == 0, "DhtNet's streams are gone", Patience);
        if (mode == "close")
        {
            Assert.All(sunk, count => Assert.Equal(300_000, count));
        }
        else
        {
            Assert.All(failed, e => Assert.IsType<StreamResetException>(e));
        }

        Assert.Equal(1, host.ConnectionCount);
        Assert.True(await host.PingAsync(js.PeerId) > TimeSpan.Zero);
    }

    [Theory]
    [InlineData("connection")]
    [InlineData("abortConnection")]
    public async Task JsEndsConnectionMidTransfer_DhtNetCleansUp(string mode)
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        var disconnected = new TaskCompletionSource<LibP2pConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.PeerDisconnected += (_, connection) => disconnected.TrySetResult(connection);
        host.SetStreamHandler(JsLibp2pPeer.Sink, async (stream, token) => await SinkAsync(stream, token));
        await js.DialAsync(host.ListenAddresses[0].WithPeerId(host.PeerId));

        await js.InterruptAsync(host.PeerId, mode, streams: 20, after: 300_000);
        Assert.Equal(js.PeerId, (await disconnected.Task.WaitAsync(Patience)).RemotePeer);
        await TestWait.UntilAsync(() => host.ConnectionCount == 0 && host.StreamCount == 0, "no connection or stream is left", Patience);

        // The peer can come back.
        await host.ConnectAsync(js.Addresses[0]);
        Assert.True(await host.PingAsync(js.PeerId) > TimeSpan.Zero);
    }

    [Fact]
    public async Task DhtNetResetsStreamsMidTransfer_JsCleansUp()
    {
        await using var js = await JsLibp2pPeer.StartAsync();
        await using var host = await StartHostAsync();
        await host.ConnectAsync(js.Addresses[0]);
        var streams = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => host.NewStreamAsync(js.PeerId, [JsLibp2pPeer.Sink])));
        foreach (var stream in streams)
        {
            await stream.WriteAsync(new byte[100_000]);
            stream.Reset();
        }

        await TestWait.UntilAsync(() => host.StreamCount == 0, "DhtNet's streams are gone", Patience);
        await TestWait.UntilAsync(async () => (await js.ConnectionsAsync()).Sum(c => c.Streams) == 0, "js's streams are gone", Patience);
        Assert.True(await host.PingAsync(js.PeerId) > TimeSpan.Zero);
    }

    private const string EchoProtocol = JsLibp2pPeer.Echo;

    private static async Task<LibP2pHost> StartHostAsync()
    {
        var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        host.SetStreamHandler(EchoProtocol, async (stream, token) =>
        {
            await stream.CopyToAsync(stream, 64 * 1024, token);
            stream.CloseWrite();
        });
        await host.StartAsync();
        return host;
    }

    private static ConcurrentQueue<PeerIdentity> Learned(LibP2pHost host)
    {
        var learned = new ConcurrentQueue<PeerIdentity>();
        host.PeerIdentified += (_, identity) => learned.Enqueue(identity);
        return learned;
    }

    private static async Task<PeerIdentity> WaitForIdentityAsync(ConcurrentQueue<PeerIdentity> learned, PeerId peer)
    {
        PeerIdentity? found = null;
        await TestWait.UntilAsync(() => (found = learned.LastOrDefault(i => i.Peer == peer)) is not null, $"identify from {peer}", Patience);
        return found!;
    }

    private static async Task<long> SinkAsync(LibP2pStream stream, CancellationToken token)
    {
        byte[] buffer = new byte[64 * 1024];
        long count = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, token)) > 0)
        {
            count += n;
        }

        byte[] reply = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(reply, (ulong)count);
        await stream.WriteAsync(reply, token);
        stream.CloseWrite();
        return count;
    }

    private static async Task<byte[]> EchoThroughAsync(LibP2pHost host, PeerId peer, string protocol, byte[] data)
    {
        await using var stream = await host.NewStreamAsync(peer, [protocol]);
        var reading = Task.Run(async () =>
        {
            using var back = new MemoryStream();
            await stream.CopyToAsync(back);
            return back.ToArray();
        });
        await stream.WriteAsync(data);
        stream.CloseWrite();
        return await reading;
    }
}

/// <summary>Polls a condition until it holds (no fixed sleeps standing in for it).</summary>
internal static class TestWait
{
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeout);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting until {what}.");
            }
        }
    }
}
