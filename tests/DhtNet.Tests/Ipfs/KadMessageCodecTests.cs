using System.Buffers;

namespace DhtNet.Tests.Ipfs;

public class KadMessageCodecTests
{
    private static readonly PeerId Peer = Ed25519PrivateKey.FromSeed(new byte[32]).PeerId;

    public static KadMessage Sample() => new()
    {
        Type = KadMessageType.GetProviders,
        ClusterLevelRaw = -1,
        Key = Multihash.Sha256("hello"u8).Bytes,
        Record = new KadRecord("/pk/x"u8.ToArray(), new byte[] { 1, 2, 3 }, "2026-12-01T00:00:00Z"),
        CloserPeers = [KadPeer.FromPeerInfo(new PeerInfo(Peer, [Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001")]), KadConnectionType.Connected)],
        ProviderPeers = [new KadPeer(Peer.Bytes, [], KadConnectionType.CannotConnect)],
    };

    [Fact]
    public void Decode_OfEncoded_RoundTrips()
    {
        using var frame = KadMessageCodec.EncodeFrame(Sample());
        var buffer = new ReadOnlySequence<byte>(frame.Memory);

        Assert.True(KadFrameReader.TryReadMessage(ref buffer, out var decoded));
        Assert.True(buffer.IsEmpty);
        AssertSame(Sample(), decoded);
    }

    [Fact]
    public void Decode_GoEncodedFindNode_ReadsTypeAndKey()
    {
        // type=FIND_NODE (08 04), key=0x0102 (12 02 01 02), clusterLevelRaw=0 omitted: the bytes go-libp2p-kad-dht writes.
        var message = KadMessageCodec.Decode(Convert.FromHexString("080412020102"));

        Assert.Equal(KadMessageType.FindNode, message.Type);
        Assert.Equal(new byte[] { 1, 2 }, message.Key.ToArray());
        Assert.Null(message.Record);
        Assert.Empty(message.CloserPeers);
    }

    [Fact]
    public void Encode_PutValueWithDefaults_WritesNoZeroFields()
    {
        var frame = new byte[16];
        var written = KadMessageCodec.WriteFrame(new KadMessage { Type = KadMessageType.PutValue }, frame);

        Assert.Equal(new byte[] { 0 }, frame[..written]); // proto3 omits defaults: an empty body
    }

    [Fact]
    public void TryReadMessage_SplitAtEveryOffset_ReadsBothFramesOnceComplete()
    {
        var writer = new ArrayBufferWriter<byte>();
        KadMessageCodec.WriteFrame(Sample(), writer);
        KadMessageCodec.WriteFrame(new KadMessage { Type = KadMessageType.Ping }, writer);
        var bytes = writer.WrittenSpan.ToArray();

        for (var split = 0; split <= bytes.Length; split++)
        {
            var received = new List<KadMessage>();
            var pending = Array.Empty<byte>();
            foreach (var chunk in new[] { bytes[..split], bytes[split..] })
            {
                pending = [.. pending, .. chunk];
                var buffer = new ReadOnlySequence<byte>(pending);
                while (KadFrameReader.TryReadMessage(ref buffer, out var message))
                {
                    received.Add(message);
                }

                pending = buffer.ToArray();
            }

            Assert.Equal(2, received.Count);
            AssertSame(Sample(), received[0]);
            Assert.Equal(KadMessageType.Ping, received[1].Type);
            Assert.Empty(pending);
        }
    }

    [Fact]
    public void TryReadMessage_MultiSegmentSequence_Decodes()
    {
        using var frame = KadMessageCodec.EncodeFrame(Sample());
        var bytes = frame.Memory.ToArray();
        var buffer = Segments(bytes[..5], bytes[5..20], bytes[20..]);

        Assert.True(KadFrameReader.TryReadMessage(ref buffer, out var message));
        AssertSame(Sample(), message);
    }

    [Fact]
    public void Decode_TruncatedAtEveryOffset_ThrowsOnlyTheFormatException()
    {
        using var frame = KadMessageCodec.EncodeFrame(Sample());
        var body = frame.Memory.Span[Varint.GetLength((ulong)KadMessageCodec.GetBodySize(Sample()))..].ToArray();

        for (var length = 0; length < body.Length; length++)
        {
            try
            {
                KadMessageCodec.Decode(body.AsSpan(0, length));
            }
            catch (LibP2pFormatException)
            {
            }
        }
    }

    [Fact]
    public void Decode_RandomBytes_ThrowOnlyTheFormatException()
    {
        var random = new Random(11);
        var sample = KadMessageCodec.EncodeFrame(Sample()).Memory.ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = i % 2 == 0 ? new byte[random.Next(64)] : (byte[])sample.Clone();
            if (i % 2 == 0)
            {
                random.NextBytes(bytes);
            }
            else
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                KadMessageCodec.Decode(bytes);
            }
            catch (LibP2pFormatException)
            {
            }
        }
    }

    [Theory]
    [InlineData("8080808002")] // 512 MiB declared
    [InlineData("8180800200")] // 4 MiB + 1 with a body byte behind it
    [InlineData("ffffffffffffffffff01")] // longer than a multiformats varint
    [InlineData("8000")] // not minimal
    public void TryReadMessage_BadOrOversizeLengthPrefix_Throws(string hex)
    {
        var buffer = new ReadOnlySequence<byte>(Convert.FromHexString(hex));

        Assert.Throws<LibP2pFormatException>(() => KadFrameReader.TryReadMessage(ref buffer, out _));
    }

    [Fact]
    public void TryReadMessage_LengthPrefixAlone_WaitsForTheBody()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x80, 0x80, 0x80, 0x02 }); // exactly 4 MiB declared

        Assert.False(KadFrameReader.TryReadMessage(ref buffer, out _));
        Assert.Equal(4, buffer.Length);
    }

    [Theory]
    [InlineData("0b")] // a group
    [InlineData("1205")] // key declares 5 bytes, none follow
    [InlineData("00")] // field 0
    [InlineData("08ffffffffffffffffff7f")] // an 11-byte varint
    [InlineData("0a00")] // type sent length-delimited
    public void Decode_Malformed_Throws(string hex)
    {
        Assert.Throws<LibP2pFormatException>(() => KadMessageCodec.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Decode_MorePeersThanTheLimit_Throws()
    {
        var bytes = Enumerable.Repeat(new byte[] { 0x42, 0x00 }, KadMessageCodec.MaxPeersPerList + 1).SelectMany(b => b).ToArray();

        Assert.Throws<LibP2pFormatException>(() => KadMessageCodec.Decode(bytes));
        Assert.Equal(KadMessageCodec.MaxPeersPerList, KadMessageCodec.Decode(bytes[2..]).CloserPeers.Count);
    }

    private static void AssertSame(KadMessage expected, KadMessage actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.ClusterLevelRaw, actual.ClusterLevelRaw);
        Assert.Equal(expected.Key.ToArray(), actual.Key.ToArray());
        Assert.Equal(expected.Record?.Key.ToArray(), actual.Record?.Key.ToArray());
        Assert.Equal(expected.Record?.Value.ToArray(), actual.Record?.Value.ToArray());
        Assert.Equal(expected.Record?.TimeReceived, actual.Record?.TimeReceived);
        AssertPeers(expected.CloserPeers, actual.CloserPeers);
        AssertPeers(expected.ProviderPeers, actual.ProviderPeers);
    }

    private static void AssertPeers(IReadOnlyList<KadPeer> expected, IReadOnlyList<KadPeer> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id.ToArray(), actual[i].Id.ToArray());
            Assert.Equal(expected[i].Connection, actual[i].Connection);
            Assert.Equal(expected[i].Addrs.Select(a => a.ToArray()), actual[i].Addrs.Select(a => a.ToArray()));
        }
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
