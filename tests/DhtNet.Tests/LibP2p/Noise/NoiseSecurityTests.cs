using System.Buffers.Binary;

namespace DhtNet.Tests.LibP2p.Noise;

public sealed class NoiseSecurityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Handshake_BothSides_ProveIdentitiesAndCarryData()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var dialer = Ed25519PrivateKey.Generate();
        var listener = Ed25519PrivateKey.Generate();
        var inbound = NoiseSecurity.SecureInboundAsync(pair.Server, listener);
        await using var client = await NoiseSecurity.SecureOutboundAsync(pair.Client, dialer, listener.PeerId).WaitAsync(Patience);
        await using var server = await inbound.WaitAsync(Patience);

        Assert.Equal(listener.PeerId, client.RemotePeer);
        Assert.Equal(dialer.PeerId, server.RemotePeer);
        Assert.Equal(dialer.PublicKey, server.RemoteKey);

        byte[] data = RandomBytes.Create(1024 * 1024 + 17, seed: 5);
        var echo = Task.Run(async () =>
        {
            byte[] received = new byte[data.Length];
            await server.ReadExactlyAsync(received);
            await server.WriteAsync(received);
            await server.FlushAsync();
        });
        await client.WriteAsync(data);
        await client.FlushAsync();
        byte[] back = new byte[data.Length];
        await client.ReadExactlyAsync(back).AsTask().WaitAsync(Patience);
        await echo.WaitAsync(Patience);
        Assert.Equal(data, back);
    }

    [Fact]
    public async Task Write_LargeBuffer_SplitsIntoFramesOfAtMost65535()
    {
        var frames = new ScriptedStream([]);
        using var state = NoiseTestPeers.CompletedPair(out var send, out _);
        await using var stream = new NoiseSecureStream(frames, send, new NoiseCipherState(), Ed25519PrivateKey.Generate().PublicKey);
        await stream.WriteAsync(new byte[200_000]);
        await stream.FlushAsync();
        byte[] written = frames.Written;
        var lengths = new List<int>();
        for (int offset = 0; offset < written.Length; offset += 2 + lengths[^1])
        {
            lengths.Add(BinaryPrimitives.ReadUInt16BigEndian(written.AsSpan(offset)));
        }

        Assert.All(lengths, length => Assert.True(length <= NoiseSecureStream.MaxFrameLength));
        Assert.Equal(200_000 + (lengths.Count * 16), lengths.Sum());
        Assert.Equal([65535, 65535, 65535, 3443 + 16], lengths);
    }

    [Fact]
    public async Task Dial_WrongPeerId_Refused()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var listener = Ed25519PrivateKey.Generate();
        var somebodyElse = Ed25519PrivateKey.Generate().PeerId;
        var inbound = NoiseSecurity.SecureInboundAsync(pair.Server, listener);
        var error = await Assert.ThrowsAsync<LibP2pProtocolException>(() => NoiseSecurity.SecureOutboundAsync(pair.Client, Ed25519PrivateKey.Generate(), somebodyElse).WaitAsync(Patience));
        Assert.Contains("dialled", error.Message, StringComparison.Ordinal);
        pair.Client.Close();
        await Assert.ThrowsAnyAsync<IOException>(() => inbound.WaitAsync(Patience));
    }

    [Fact]
    public async Task Handshake_SignatureOverAnotherStaticKey_Refused()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var identity = Ed25519PrivateKey.Generate();
        var dialing = NoiseSecurity.SecureOutboundAsync(pair.Client, Ed25519PrivateKey.Generate(), identity.PeerId);

        // A responder that signs some other static key than the one it uses.
        using var staticKey = NoiseHandshakeState.NewKey();
        using var otherKey = NoiseHandshakeState.NewKey();
        using var state = new NoiseHandshakeState(false, staticKey, []);
        byte[] first = await NoiseTestPeers.ReadFrameAsync(pair.Server);
        state.ReadMessage(first);
        byte[] payload = NoiseHandshakePayload.Create(identity, NoiseHandshakeState.PublicKeyOf(otherKey));
        await NoiseTestPeers.WriteFrameAsync(pair.Server, state, payload);

        var error = await Assert.ThrowsAsync<LibP2pProtocolException>(() => dialing.WaitAsync(Patience));
        Assert.Contains("signature", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)] // garbage instead of the first message
    [InlineData(2)] // garbage instead of the third message
    public async Task Listener_GarbageDuringHandshake_Refused(int atMessage)
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var inbound = NoiseSecurity.SecureInboundAsync(pair.Server, Ed25519PrivateKey.Generate());
        if (atMessage == 2)
        {
            using var staticKey = NoiseHandshakeState.NewKey();
            using var state = new NoiseHandshakeState(true, staticKey, []);
            await NoiseTestPeers.WriteFrameAsync(pair.Client, state, []);
            await NoiseTestPeers.ReadFrameAsync(pair.Client);
        }

        byte[] garbage = RandomBytes.Create(300, seed: atMessage);
        BinaryPrimitives.WriteUInt16BigEndian(garbage, 298);
        await pair.Client.WriteAsync(garbage);
        await Assert.ThrowsAsync<LibP2pProtocolException>(() => inbound.WaitAsync(Patience));
    }

    [Fact]
    public async Task Listener_HttpRequestInsteadOfNoise_Refused()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var inbound = NoiseSecurity.SecureInboundAsync(pair.Server, Ed25519PrivateKey.Generate());
        await pair.Client.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        pair.ClientSocket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        await Assert.ThrowsAsync<LibP2pProtocolException>(() => inbound.WaitAsync(Patience));
    }

    [Fact]
    public async Task Listener_OversizePayload_Refused()
    {
        await using var pair = await LoopbackPair.CreateAsync();
        var inbound = NoiseSecurity.SecureInboundAsync(pair.Server, Ed25519PrivateKey.Generate());
        using var staticKey = NoiseHandshakeState.NewKey();
        using var state = new NoiseHandshakeState(true, staticKey, []);
        await NoiseTestPeers.WriteFrameAsync(pair.Client, state, []);
        state.ReadMessage(await NoiseTestPeers.ReadFrameAsync(pair.Client));
        await NoiseTestPeers.WriteFrameAsync(pair.Client, state, new byte[60_000]);
        var error = await Assert.ThrowsAsync<LibP2pProtocolException>(() => inbound.WaitAsync(Patience));
        Assert.Contains("over the limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_TruncatedAtEveryOffset_ThrowsProtocolExceptionOrEnds()
    {
        using var state = NoiseTestPeers.CompletedPair(out var send, out var receive);
        var sink = new ScriptedStream([]);
        await using (var writer = new NoiseSecureStream(sink, send, new NoiseCipherState(), Ed25519PrivateKey.Generate().PublicKey))
        {
            await writer.WriteAsync(new byte[100]);
            await writer.FlushAsync();
        }

        byte[] frame = sink.Written;
        for (int cut = 1; cut < frame.Length; cut++)
        {
            using var again = NoiseTestPeers.CompletedPair(out _, out var fresh);
            await using var reader = new NoiseSecureStream(new ScriptedStream(frame[..cut]), new NoiseCipherState(), fresh, Ed25519PrivateKey.Generate().PublicKey);
            await Assert.ThrowsAsync<LibP2pProtocolException>(async () => await reader.ReadExactlyAsync(new byte[1]));
        }

        _ = receive;
    }

    [Fact]
    public async Task Read_FrameShorterThanTagOrForged_ThrowsProtocolException()
    {
        using var state = NoiseTestPeers.CompletedPair(out _, out var receive);
        await using var shortFrame = new NoiseSecureStream(new ScriptedStream([0, 5, 1, 2, 3, 4, 5]), new NoiseCipherState(), receive, Ed25519PrivateKey.Generate().PublicKey);
        await Assert.ThrowsAsync<LibP2pProtocolException>(async () => await shortFrame.ReadExactlyAsync(new byte[1]));

        using var other = NoiseTestPeers.CompletedPair(out _, out var receive2);
        byte[] forged = new byte[2 + 65535];
        BinaryPrimitives.WriteUInt16BigEndian(forged, 65535);
        await using var forgedFrame = new NoiseSecureStream(new ScriptedStream(forged), new NoiseCipherState(), receive2, Ed25519PrivateKey.Generate().PublicKey);
        await Assert.ThrowsAsync<LibP2pProtocolException>(async () => await forgedFrame.ReadExactlyAsync(new byte[1]));
    }
}

/// <summary>Hand-driven Noise peers for the hostile-handshake tests.</summary>
internal static class NoiseTestPeers
{
    public static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        byte[] length = new byte[2];
        await stream.ReadExactlyAsync(length);
        byte[] frame = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(frame);
        return frame;
    }

    public static async Task WriteFrameAsync(Stream stream, NoiseHandshakeState state, byte[] payload)
    {
        byte[] frame = new byte[2 + state.MessageLength(payload.Length)];
        int length = state.WriteMessage(payload, frame.AsSpan(2));
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)length);
        await stream.WriteAsync(frame);
    }

    /// <summary>Runs a handshake in memory and returns the initiator's send cipher and the responder's receive cipher (a matched pair).</summary>
    public static IDisposable CompletedPair(out NoiseCipherState send, out NoiseCipherState receive)
    {
        var a = NoiseHandshakeState.NewKey();
        var b = NoiseHandshakeState.NewKey();
        var initiator = new NoiseHandshakeState(true, a, []);
        var responder = new NoiseHandshakeState(false, b, []);
        byte[] buffer = new byte[1024];
        for (int i = 0; i < 3; i++)
        {
            var (writer, reader) = i % 2 == 0 ? (initiator, responder) : (responder, initiator);
            int length = writer.WriteMessage([], buffer);
            reader.ReadMessage(buffer.AsSpan(0, length));
        }

        (send, _) = initiator.Split();
        (_, receive) = responder.Split();
        return new Disposables(initiator, responder, a, b);
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }
}
