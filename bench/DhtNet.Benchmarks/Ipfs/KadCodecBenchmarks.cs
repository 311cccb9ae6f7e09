using BenchmarkDotNet.Attributes;
using DhtNet.Benchmarks.Ipfs.Generated;
using Google.Protobuf;

namespace DhtNet.Benchmarks.Ipfs;

/// <summary>
/// The kad-dht codec the library writes by hand against Google.Protobuf's generated code, on the
/// message a server sends most: a FIND_NODE reply with k = 20 closer peers of two addresses each.
/// </summary>
[MemoryDiagnoser]
public class KadCodecBenchmarks
{
    private KadMessage _message = null!;
    private Message _generated = null!;
    private byte[] _body = null!;
    private byte[] _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        var peers = new KadPeer[20];
        for (var i = 0; i < peers.Length; i++)
        {
            var seed = new byte[32];
            seed[0] = (byte)i;
            var id = Ed25519PrivateKey.FromSeed(seed).PeerId;
            peers[i] = KadPeer.FromPeerInfo(new PeerInfo(id, [Multiaddr.Parse($"/ip4/203.0.113.{i}/tcp/4001"), Multiaddr.Parse($"/ip6/2001:db8::{i + 1}/udp/4001/quic-v1")]));
        }

        _message = new KadMessage { Type = KadMessageType.FindNode, Key = Multihash.Sha256("target"u8).Bytes, CloserPeers = peers };
        _body = new byte[KadMessageCodec.GetBodySize(_message)];
        var frame = new byte[KadMessageCodec.GetFrameSize(_message)];
        KadMessageCodec.WriteFrame(_message, frame);
        frame.AsSpan(frame.Length - _body.Length).CopyTo(_body);
        _generated = Message.Parser.ParseFrom(_body);
        _output = new byte[frame.Length + 16];
        if (!_generated.ToByteArray().AsSpan().SequenceEqual(_body))
        {
            throw new InvalidOperationException("The two codecs disagree on the bytes of the same message.");
        }
    }

    [Benchmark(Baseline = true)]
    public int DecodeHandWritten() => KadMessageCodec.Decode(_body).CloserPeers.Count;

    [Benchmark]
    public int DecodeGoogleProtobuf() => Message.Parser.ParseFrom(_body).CloserPeers.Count;

    [Benchmark]
    public int EncodeHandWritten() => KadMessageCodec.WriteFrame(_message, _output);

    [Benchmark]
    public int EncodeGoogleProtobuf()
    {
        // Length-delimited as on the stream, into the same preallocated buffer.
        var output = new CodedOutputStream(_output);
        output.WriteLength(_generated.CalculateSize());
        _generated.WriteTo(output);
        return (int)output.Position;
    }

    [Benchmark]
    public int EncodePooledFrame()
    {
        using var frame = KadMessageCodec.EncodeFrame(_message);
        return frame.Memory.Length;
    }
}
