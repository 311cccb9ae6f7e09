using System.Buffers;

namespace DhtNet.Tests.Ipfs;

/// <summary>The <c>/ipfs/kad/1.0.0</c> messenger over two real hosts on loopback TCP.</summary>
public sealed class LibP2pKadMessengerTests : IAsyncLifetime
{
    private LibP2pHost _server = null!;
    private LibP2pHost _client = null!;
    private IpfsDhtNode _node = null!;
    private LibP2pKadMessenger _clientMessenger = null!;

    public async Task InitializeAsync()
    {
        _server = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        var messenger = new LibP2pKadMessenger(_server, new LibP2pKadMessengerOptions { MaxInboundStreams = 2 });
        _node = new IpfsDhtNode(messenger);
        messenger.Serve(_node);
        await _server.StartAsync();
        _client = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        await _client.StartAsync();
        _client.AddAddresses(_server.PeerId, _server.ListenAddresses);
        _clientMessenger = new LibP2pKadMessenger(_client, new LibP2pKadMessengerOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
    }

    public async Task DisposeAsync()
    {
        _node.Dispose();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private PeerInfo Server => new(_server.PeerId, _server.ListenAddresses);

    private static async Task<KadMessage?> ReadAsync(LibP2pStream stream) => (await ReadAsync(stream, 1)).SingleOrDefault();

    /// <summary>Reads <paramref name="count"/> frames (fewer when the stream ends), keeping bytes between them.</summary>
    private static async Task<List<KadMessage>> ReadAsync(LibP2pStream stream, int count)
    {
        var messages = new List<KadMessage>();
        var buffer = new byte[64 * 1024];
        int length = 0;
        while (messages.Count < count)
        {
            var sequence = new ReadOnlySequence<byte>(buffer, 0, length);
            if (KadFrameReader.TryReadMessage(ref sequence, out var message))
            {
                messages.Add(message);
                int rest = (int)sequence.Length;
                Buffer.BlockCopy(buffer, length - rest, buffer, 0, rest);
                length = rest;
                continue;
            }

            int read = await stream.ReadAsync(buffer.AsMemory(length));
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return messages;
    }

    [Fact]
    public async Task SendRequestAsync_FindNodeForTheServer_ItAnswersWithItself()
    {
        var reply = await _clientMessenger.SendRequestAsync(Server, new KadMessage { Type = KadMessageType.FindNode, Key = _server.PeerId.Bytes });
        Assert.NotNull(reply);
        Assert.Equal(KadMessageType.FindNode, reply.Type);
        Assert.True(reply.CloserPeers[0].TryToPeerInfo(out var self));
        Assert.Equal(_server.PeerId, self.Id);
    }

    [Fact]
    public async Task ServeStream_SeveralRequestsOnOneStream_EachAnsweredInOrder()
    {
        await using var stream = await _client.NewStreamAsync(_server.PeerId, [LibP2pKadMessenger.ProtocolId]);
        using (var ping = KadMessageCodec.EncodeFrame(new KadMessage { Type = KadMessageType.Ping }))
        using (var find = KadMessageCodec.EncodeFrame(new KadMessage { Type = KadMessageType.FindNode, Key = _client.PeerId.Bytes }))
        {
            await stream.WriteAsync(ping.Memory);
            await stream.WriteAsync(find.Memory);
        }

        Assert.Equal([KadMessageType.Ping, KadMessageType.FindNode], (await ReadAsync(stream, 2)).Select(m => m.Type));
    }

    [Theory]
    [InlineData(new byte[] { 3, 0xFF, 0xFF, 0xFF })] // a body that is not protobuf
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x7F })] // a length over the limit
    [InlineData(new byte[] { 2, 0x08, 0x09 })] // an unknown message type
    public async Task ServeStream_BadRequest_StreamReset(byte[] frame)
    {
        await using var stream = await _client.NewStreamAsync(_server.PeerId, [LibP2pKadMessenger.ProtocolId]);
        await stream.WriteAsync(frame);
        await Assert.ThrowsAsync<StreamResetException>(() => ReadAsync(stream));

        // The reset changed nothing else: the next request is answered.
        Assert.NotNull(await _clientMessenger.SendRequestAsync(Server, new KadMessage { Type = KadMessageType.Ping }));
    }

    [Fact]
    public async Task ServeStream_MoreStreamsThanTheLimit_ExtraOnesReset()
    {
        var open = new List<LibP2pStream>();
        for (int i = 0; i < 2; i++)
        {
            var idle = await _client.NewStreamAsync(_server.PeerId, [LibP2pKadMessenger.ProtocolId]);
            open.Add(idle);
            using var ping = KadMessageCodec.EncodeFrame(new KadMessage { Type = KadMessageType.Ping });
            await idle.WriteAsync(ping.Memory);
            Assert.NotNull(await ReadAsync(idle)); // served, and now held open by the server
        }

        // Reset as soon as the server accepts it: the client sees the reset while negotiating or at its first read.
        await Assert.ThrowsAsync<StreamResetException>(async () =>
        {
            await using var extra = await _client.NewStreamAsync(_server.PeerId, [LibP2pKadMessenger.ProtocolId]);
            await ReadAsync(extra);
        });
        foreach (var stream in open)
        {
            await stream.DisposeAsync();
        }
    }
}
