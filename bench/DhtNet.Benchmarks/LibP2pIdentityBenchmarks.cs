using BenchmarkDotNet.Attributes;
using Google.Protobuf;

namespace DhtNet.Benchmarks;

/// <summary>
/// The identity values a libp2p host handles per connection and per DHT record: key protobufs
/// (hand-written reader against Google.Protobuf's CodedInputStream reading the same two fields),
/// peer ids and multiaddrs in text and binary, and an Ed25519 verification.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class LibP2pIdentityBenchmarks
{
    private static readonly byte[] KeyProtobufBytes = Convert.FromHexString("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e");
    private const string PeerIdText = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
    private const string MultiaddrText = "/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";

    private readonly Ed25519PrivateKey _key = Ed25519PrivateKey.FromSeed(new byte[32]);
    private readonly byte[] _message = new byte[100];
    private PeerId _peerId;
    private byte[] _multiaddrBytes = [];
    private byte[] _signature = [];

    [GlobalSetup]
    public void Setup()
    {
        _peerId = PeerId.Parse(PeerIdText);
        _multiaddrBytes = Multiaddr.Parse(MultiaddrText).ToBytes();
        _signature = _key.Sign(_message);
    }

    [Benchmark(Baseline = true)]
    public int KeyProtobufHandWritten() => KeyProtobuf.Read(KeyProtobufBytes, "public key", out _).Data.Length;

    [Benchmark]
    public int KeyProtobufGoogle()
    {
        var input = new CodedInputStream(KeyProtobufBytes);
        var type = 0;
        ByteString data = ByteString.Empty;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (tag)
            {
                case 8:
                    type = input.ReadEnum();
                    break;
                case 18:
                    data = input.ReadBytes();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return data.Length + type;
    }

    [Benchmark]
    public PublicKey UnmarshalEd25519PublicKey() => PublicKey.Unmarshal(KeyProtobufBytes);

    [Benchmark]
    public PeerId ParsePeerId() => PeerId.Parse(PeerIdText);

    [Benchmark]
    public string FormatPeerId() => _peerId.ToString();

    [Benchmark]
    public Multiaddr ParseMultiaddrText() => Multiaddr.Parse(MultiaddrText);

    [Benchmark]
    public Multiaddr ParseMultiaddrBytes() => Multiaddr.FromBytes(_multiaddrBytes);

    [Benchmark]
    public bool VerifyEd25519() => _key.PublicKey.Verify(_message, _signature);
}
