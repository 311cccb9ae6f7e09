using BenchmarkDotNet.Attributes;

namespace DhtNet.Benchmarks;

/// <summary>Ed25519 cost of a BEP 44 mutable put: how many signatures a node can check per second.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class Ed25519Benchmarks
{
    private readonly Ed25519KeyPair _keyPair = Ed25519KeyPair.FromSeed(new byte[32]);
    private readonly byte[] _salt = "foobar"u8.ToArray();
    private byte[] _value = [];
    private byte[] _signature = [];
    private byte[] _publicKey = [];

    [GlobalSetup]
    public void Setup()
    {
        // A full-size item: a 997-byte string is the largest v (1000 bytes encoded).
        _value = [.. "996:"u8, .. new byte[996]];
        _publicKey = _keyPair.PublicKey.ToArray();
        _signature = ItemRules.Sign(_keyPair, _salt, 42, _value);
    }

    [Benchmark]
    public bool VerifyMutableItem() => ItemRules.VerifySignature(_publicKey, _salt, 42, _value, _signature);

    [Benchmark]
    public byte[] SignMutableItem() => ItemRules.Sign(_keyPair, _salt, 42, _value);
}
