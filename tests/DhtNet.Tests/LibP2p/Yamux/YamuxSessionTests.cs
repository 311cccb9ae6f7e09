using System.Buffers.Binary;
using System.Net.Sockets;

namespace DhtNet.Tests.LibP2p.Yamux;

public sealed class YamuxSessionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OpenStream_EchoBothWays_BytesArrive()
    {
        await using var link = await SessionPair.CreateAsync();
        var clientStream = link.Client.OpenStream();
        Assert.Equal(1u, clientStream.Id);
        byte[] request = RandomBytes.Create(100_000, seed: 1);
        await clientStream.WriteAsync(request);
        clientStream.CloseWrite();

        var serverStream = await link.Server.AcceptStreamAsync().AsTask().WaitAsync(Patience);
        Assert.NotNull(serverStream);
        Assert.True(serverStream.IsInbound);
        var received = await ReadToEndAsync(serverStream);
        Assert.Equal(request, received);
        await serverStream.WriteAsync(received);
        serverStream.CloseWrite();

        Assert.Equal(request, await ReadToEndAsync(clientStream));
        await Eventually.UntilAsync(() => link.Client.StreamCount == 0 && link.Server.StreamCount == 0);
    }

    [Fact]
    public async Task OpenStream_ServerSide_UsesEvenIds()
    {
        await using var link = await SessionPair.CreateAsync();
        var first = link.Server.OpenStream();
        var second = link.Server.OpenStream();
        Assert.Equal([2u, 4u], new[] { first.Id, second.Id });
        Assert.Equal(2u, (await link.Client.AcceptStreamAsync())!.Id);
    }

    [Fact]
    public async Task Write_ReaderStops_SenderBlocksAtWindow()
    {
        await using var link = await SessionPair.CreateAsync();
        var sending = link.Client.OpenStream();
        var writing = sending.WriteAsync(new byte[1024 * 1024]).AsTask();
        var receiving = (await link.Server.AcceptStreamAsync())!;

        await Eventually.UntilAsync(() => receiving.BufferedBytes == YamuxOptions.DefaultWindowSize);
        Assert.False(writing.IsCompleted);
        Assert.Equal(YamuxOptions.DefaultWindowSize, receiving.BufferedBytes);

        // Reading releases the sender; all of it arrives.
        var all = await ReadExactlyAsync(receiving, 1024 * 1024);
        await writing.WaitAsync(Patience);
        Assert.Equal(1024 * 1024, all.Length);
    }

    [Fact]
    public async Task ManyStreamsUnread_SessionStopsReadingAtBufferBound()
    {
        var options = new YamuxOptions { MaxBufferedBytes = 2 * YamuxOptions.DefaultWindowSize };
        await using var link = await SessionPair.CreateAsync(serverOptions: options);
        var sending = Enumerable.Range(0, 4).Select(_ => link.Client.OpenStream()).ToArray();
        foreach (var stream in sending)
        {
            await stream.WriteAsync(RandomBytes.Create(YamuxOptions.DefaultWindowSize, seed: (int)stream.Id));
        }

        // Nobody reads on the server: it buffers up to its bound (plus the frame that crossed it) and stops
        // reading the connection, so even a ping goes unanswered.
        await Eventually.UntilAsync(() => link.Server.BufferedBytes > options.MaxBufferedBytes);
        await Assert.ThrowsAsync<TimeoutException>(() => link.Client.PingAsync(TimeSpan.FromMilliseconds(300)));
        Assert.True(link.Server.BufferedBytes <= options.MaxBufferedBytes + YamuxOptions.DefaultWindowSize);

        // Reading catches up; the loop resumes and everything arrives intact.
        for (int i = 0; i < 4; i++)
        {
            var received = (await link.Server.AcceptStreamAsync())!;
            Assert.Equal(RandomBytes.Create(YamuxOptions.DefaultWindowSize, seed: (int)received.Id), await ReadExactlyAsync(received, YamuxOptions.DefaultWindowSize));
        }

        Assert.True(await link.Client.PingAsync(Patience) >= TimeSpan.Zero);
        Assert.Equal(0, link.Server.BufferedBytes);
    }

    [Fact]
    public async Task Reset_ByPeer_ReaderAndWriterThrow()
    {
        await using var link = await SessionPair.CreateAsync();
        var local = link.Client.OpenStream();
        await local.WriteAsync(new byte[10]);
        var remote = (await link.Server.AcceptStreamAsync())!;
        remote.Reset();

        await Assert.ThrowsAsync<StreamResetException>(async () => await local.ReadAsync(new byte[10]).AsTask().WaitAsync(Patience));
        await Assert.ThrowsAsync<StreamResetException>(async () => await local.WriteAsync(new byte[10]));
        await Eventually.UntilAsync(() => link.Client.StreamCount == 0 && link.Server.StreamCount == 0);
    }

    [Fact]
    public async Task Ping_Answered_ReturnsRoundTrip()
    {
        await using var link = await SessionPair.CreateAsync();
        var rtt = await link.Client.PingAsync(Patience);
        Assert.True(rtt >= TimeSpan.Zero);
        Assert.True(await link.Server.PingAsync(Patience) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task CloseAsync_PeerSeesGoAwayThenEnd_StreamsReset()
    {
        await using var link = await SessionPair.CreateAsync();
        var stream = link.Client.OpenStream();
        await stream.WriteAsync(new byte[1]);
        var remote = (await link.Server.AcceptStreamAsync())!;
        await link.Client.CloseAsync();
        await link.Server.Completion.WaitAsync(Patience);
        Assert.True(link.Server.IsClosed);
        await Assert.ThrowsAsync<StreamResetException>(async () => await remote.WriteAsync(new byte[1]));
        Assert.Null(await link.Server.AcceptStreamAsync());
    }

    [Fact]
    public async Task OpenStream_AtStreamLimit_Refused()
    {
        var options = new YamuxOptions { MaxStreams = 4 };
        await using var link = await SessionPair.CreateAsync(options);
        for (int i = 0; i < 4; i++)
        {
            link.Client.OpenStream();
        }

        Assert.Throws<InvalidOperationException>(() => link.Client.OpenStream());
    }

    [Fact]
    public async Task InboundStreams_BeyondLimit_AreResetAndSessionLives()
    {
        var options = new YamuxOptions { MaxStreams = 4 };
        await using var link = await SessionPair.CreateAsync(serverOptions: options);
        var opened = Enumerable.Range(0, 6).Select(_ => link.Client.OpenStream()).ToArray();
        foreach (var stream in opened)
        {
            await stream.WriteAsync(new byte[1]);
        }

        // The two beyond the limit are reset; the first four are served.
        await Assert.ThrowsAsync<StreamResetException>(async () => await opened[5].ReadAsync(new byte[1]).AsTask().WaitAsync(Patience));
        await Assert.ThrowsAsync<StreamResetException>(async () => await opened[4].ReadAsync(new byte[1]).AsTask().WaitAsync(Patience));
        Assert.Equal(4, link.Server.StreamCount);
        Assert.True(await link.Client.PingAsync(Patience) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task HostilePeer_DataBeyondWindow_ClosesSessionWithProtocolError()
    {
        await using var raw = await RawPeer.CreateAsync();
        await raw.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0);
        await raw.SendDataAsync(1, new byte[YamuxOptions.DefaultWindowSize]);
        await raw.SendDataAsync(1, new byte[1]);

        await raw.Session.Completion.WaitAsync(Patience);
        var reason = Assert.IsType<LibP2pProtocolException>(raw.Session.CloseReason);
        Assert.Contains("window", reason.Message, StringComparison.Ordinal);
        Assert.Equal(((byte)3, 1u), await raw.ReadGoAwayAsync());
    }

    [Theory]
    [InlineData((byte)0, (ushort)0, 7u)] // data on a stream never opened
    [InlineData((byte)1, (ushort)0, 9u)] // window update for a stream never opened
    [InlineData((byte)0, (ushort)1, 2u)] // the peer opening an id of our parity
    [InlineData((byte)0, (ushort)0, 0u)] // data on stream 0
    [InlineData((byte)2, (ushort)1, 5u)] // ping on a stream
    public async Task HostilePeer_FrameForUnknownStream_ClosesSession(byte type, ushort flags, uint streamId)
    {
        await using var raw = await RawPeer.CreateAsync();
        await raw.SendAsync((YamuxFrameType)type, (YamuxFlags)flags, streamId, 0);
        await raw.Session.Completion.WaitAsync(Patience);
        Assert.IsType<LibP2pProtocolException>(raw.Session.CloseReason);
    }

    [Fact]
    public async Task HostilePeer_ReusedStreamId_ClosesSession()
    {
        await using var raw = await RawPeer.CreateAsync();
        await raw.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 3, 0);
        await raw.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0);
        await raw.Session.Completion.WaitAsync(Patience);
        Assert.IsType<LibP2pProtocolException>(raw.Session.CloseReason);
    }

    [Fact]
    public async Task HostilePeer_FrameForClosedStream_IsDropped()
    {
        await using var raw = await RawPeer.CreateAsync();
        await raw.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0);
        await raw.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, 1, 0);
        await raw.SendDataAsync(1, new byte[100]);
        await raw.SendAsync(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 42);
        Assert.Equal(42u, await raw.ReadPongAsync());
        Assert.False(raw.Session.IsClosed);
    }

    [Fact]
    public async Task HostilePeer_MillionStreamOpens_StaysBounded()
    {
        // Every refused open is answered with a reset. The peer reads them (DrainAsync), at its own
        // pace: when it lags, the session's control backlog fills and the session stops reading the
        // opens until the resets are written, so the flood is slowed, never buffered and never a
        // reason to drop a peer that reads (only one that reads nothing for ControlWriteTimeout).
        //
        // The opens still in the sockets when the last write returns are what the pong below waits
        // behind. Loopback buffers grow to megabytes: about 280,000 opens were unread then (measured
        // beside two CPU hogs: up to 5.5 s to the pong), which a CPU shared with the rest of the suite
        // may not answer within Patience. With 64 KiB asked for each way (the kernel doubles it) about
        // 20,000 are left (the pong within 0.15 s, same load): the timed wait covers only those.
        // This peer never answers a ping, so the session's keep-alive is off: a run past 50 s under
        // load was closed by it (HostilePeer_NeverReads_KeepAliveClosesSession tests the keep-alive).
        const int opens = 1_000_000;
        var options = new YamuxOptions { MaxStreams = 64, MaxAcceptBacklog = 64, MaxControlBacklog = 64, KeepAliveInterval = Timeout.InfiniteTimeSpan };
        await using var raw = await RawPeer.CreateAsync(options, sendBuffer: 64 * 1024);
        var drain = raw.DrainAsync();
        GC.KeepAlive(drain);
        int maxSeen = 0;
        byte[] batch = new byte[YamuxHeader.Size * 1000];
        for (uint i = 0; i < opens / 1000; i++)
        {
            for (int j = 0; j < 1000; j++)
            {
                new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, ((i * 1000) + (uint)j) * 2 + 1, 0).Write(batch.AsSpan(j * YamuxHeader.Size));
            }

            await raw.Stream.WriteAsync(batch);
            maxSeen = Math.Max(maxSeen, raw.Session.StreamCount);
        }

        await raw.SendAsync(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 7);
        await Eventually.UntilAsync(() => { lock (raw.PongsSeen) { return raw.PongsSeen.Contains(7u); } });
        Assert.False(raw.Session.IsClosed, raw.Session.CloseReason?.Message);
        Assert.True(maxSeen <= 64, $"{maxSeen} streams were open");
        Assert.True(raw.Session.StreamCount <= 64);
        Assert.True(raw.ResetsSeen >= opens - 64, $"{raw.ResetsSeen} resets");
    }

    [Fact]
    public async Task HostilePeer_NeverReads_KeepAliveClosesSession()
    {
        var options = new YamuxOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(100), KeepAliveTimeout = TimeSpan.FromMilliseconds(500) };
        await using var raw = await RawPeer.CreateAsync(options);
        await raw.SendAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0);
        var stream = (await raw.Session.AcceptStreamAsync())!;
        var writing = stream.WriteAsync(new byte[4 * 1024 * 1024]).AsTask();

        await raw.Session.Completion.WaitAsync(Patience);
        Assert.Contains("keep-alive", raw.Session.CloseReason!.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StreamResetException>(() => writing.WaitAsync(Patience));
    }

    [Fact]
    public async Task HostilePeer_PingFloodWithoutReading_ClosesSession()
    {
        var options = new YamuxOptions { MaxControlBacklog = 64, KeepAliveInterval = Timeout.InfiniteTimeSpan, ControlWriteTimeout = TimeSpan.FromSeconds(1) };
        await using var raw = await RawPeer.CreateAsync(options, receiveBuffer: 4096);
        byte[] batch = new byte[YamuxHeader.Size * 1000];
        for (int j = 0; j < 1000; j++)
        {
            new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, (uint)j).Write(batch.AsSpan(j * YamuxHeader.Size));
        }

        // Pongs fill the socket buffers, then the backlog: the session stops reading (so these writes
        // stall), and when nothing is read for ControlWriteTimeout it gives up on the peer.
        for (int i = 0; i < 10_000 && !raw.Session.IsClosed; i++)
        {
            try
            {
                await raw.Stream.WriteAsync(batch).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is IOException or TimeoutException)
            {
                break;
            }
        }

        await raw.Session.Completion.WaitAsync(Patience);
        Assert.Contains("does not read", raw.Session.CloseReason!.Message, StringComparison.Ordinal);
    }

    internal static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var all = new MemoryStream();
        await stream.CopyToAsync(all).WaitAsync(Patience);
        return all.ToArray();
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        byte[] buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
        return buffer;
    }


    private sealed class SessionPair : IAsyncDisposable
    {
        private readonly LoopbackPair _pair;

        private SessionPair(LoopbackPair pair, YamuxSession client, YamuxSession server)
        {
            _pair = pair;
            Client = client;
            Server = server;
        }

        public YamuxSession Client { get; }

        public YamuxSession Server { get; }

        public static async Task<SessionPair> CreateAsync(YamuxOptions? clientOptions = null, YamuxOptions? serverOptions = null)
        {
            var pair = await LoopbackPair.CreateAsync();
            var client = new YamuxSession(pair.Client, isClient: true, clientOptions);
            var server = new YamuxSession(pair.Server, isClient: false, serverOptions);
            client.Start();
            server.Start();
            return new SessionPair(pair, client, server);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            await _pair.DisposeAsync();
        }
    }

    /// <summary>A hand-driven yamux client facing a real server session: sends any frame, reads raw replies.</summary>
    private sealed class RawPeer : IAsyncDisposable
    {
        private readonly LoopbackPair _pair;
        private readonly byte[] _header = new byte[YamuxHeader.Size];

        private RawPeer(LoopbackPair pair, YamuxSession session)
        {
            _pair = pair;
            Session = session;
        }

        public YamuxSession Session { get; }

        public NetworkStream Stream => _pair.Client;

        public HashSet<uint> PongsSeen { get; } = [];

        public int ResetsSeen { get; private set; }

        /// <param name="receiveBuffer">Socket buffers from the session to this peer, when not the system's.</param>
        /// <param name="sendBuffer">Socket buffers from this peer to the session, when not the system's.</param>
        public static async Task<RawPeer> CreateAsync(YamuxOptions? options = null, int? receiveBuffer = null, int? sendBuffer = null)
        {
            var pair = await LoopbackPair.CreateAsync();
            if (receiveBuffer is { } size)
            {
                pair.ClientSocket.ReceiveBufferSize = size;
                pair.ServerSocket.SendBufferSize = size;
            }

            if (sendBuffer is { } sending)
            {
                pair.ClientSocket.SendBufferSize = sending;
                pair.ServerSocket.ReceiveBufferSize = sending;
            }

            var session = new YamuxSession(pair.Server, isClient: false, options);
            session.Start();
            return new RawPeer(pair, session);
        }

        public async Task SendAsync(YamuxFrameType type, YamuxFlags flags, uint streamId, uint length)
        {
            new YamuxHeader(type, flags, streamId, length).Write(_header);
            await Stream.WriteAsync(_header);
        }

        public async Task SendDataAsync(uint streamId, byte[] payload)
        {
            await SendAsync(YamuxFrameType.Data, YamuxFlags.None, streamId, (uint)payload.Length);
            await Stream.WriteAsync(payload);
        }

        public async Task<(byte Type, uint Code)> ReadGoAwayAsync()
        {
            while (true)
            {
                var header = await ReadHeaderAsync();
                if (header.Type == YamuxFrameType.GoAway)
                {
                    return ((byte)header.Type, header.Length);
                }
            }
        }

        public async Task<uint> ReadPongAsync()
        {
            while (true)
            {
                var header = await ReadHeaderAsync();
                if (header.Type == YamuxFrameType.Ping && header.Flags == YamuxFlags.Ack)
                {
                    return header.Length;
                }
            }
        }

        // Reads everything the session sends, counting resets and pongs, until the connection closes.
        public async Task DrainAsync()
        {
            byte[] buffer = new byte[YamuxHeader.Size * 4096];
            int filled = 0;
            while (true)
            {
                int n;
                try
                {
                    n = await Stream.ReadAsync(buffer.AsMemory(filled));
                }
                catch (IOException)
                {
                    return;
                }

                if (n == 0)
                {
                    return;
                }

                filled += n;
                int offset = 0;
                for (; offset + YamuxHeader.Size <= filled; offset += YamuxHeader.Size)
                {
                    var header = YamuxHeader.Read(buffer.AsSpan(offset));
                    if ((header.Flags & YamuxFlags.Rst) != 0)
                    {
                        ResetsSeen++;
                    }
                    else if (header.Type == YamuxFrameType.Ping)
                    {
                        lock (PongsSeen)
                        {
                            PongsSeen.Add(header.Length);
                        }
                    }
                }

                buffer.AsSpan(offset, filled - offset).CopyTo(buffer);
                filled -= offset;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Session.DisposeAsync();
            await _pair.DisposeAsync();
        }

        private async Task<YamuxHeader> ReadHeaderAsync()
        {
            byte[] bytes = new byte[YamuxHeader.Size];
            await Stream.ReadExactlyAsync(bytes).AsTask().WaitAsync(Patience);
            var header = YamuxHeader.Read(bytes);
            if (header.Type == YamuxFrameType.Data && header.Length > 0)
            {
                await Stream.ReadExactlyAsync(new byte[header.Length]).AsTask().WaitAsync(Patience);
            }

            return header;
        }
    }
}
