using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using NSec.Cryptography;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace DhtNet.Benchmarks;

/// <summary>
/// The two Ed25519 libraries side by side on a full-size BEP 44 signature buffer, each called the way
/// a node calls it: BouncyCastle takes arrays only, so its inputs go through one pooled array;
/// NSec (libsodium) takes spans. Verify imports the public key each time, as a node does for every
/// hostile put it receives.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class Ed25519LibraryBenchmarks
{
    private const int SignatureSize = 64;
    private const int PublicKeySize = 32;

    private readonly byte[] _seed = new byte[32];
    private readonly byte[] _publicKey = new byte[PublicKeySize];
    private readonly byte[] _signature = new byte[SignatureSize];
    private byte[] _message = [];
    private Key? _nsecKey;

    [GlobalSetup]
    public void Setup()
    {
        // "4:salt6:foobar3:seqi42e1:v" then the largest value BEP 44 allows (1000 bytes encoded).
        byte[] value = [.. "996:"u8, .. new byte[996]];
        _message = new byte[ItemRules.GetSignatureBufferSize("foobar"u8, 42, value.Length)];
        ItemRules.WriteSignatureBuffer(_message, "foobar"u8, 42, value);

        BcEd25519.GeneratePublicKey(_seed, 0, _publicKey, 0);
        _nsecKey = Key.Import(SignatureAlgorithm.Ed25519, _seed, KeyBlobFormat.RawPrivateKey);
        SignatureAlgorithm.Ed25519.Sign(_nsecKey, _message, _signature);
        if (!VerifyBouncyCastle() || !VerifyNSec())
        {
            throw new InvalidOperationException("The libraries disagree on the signature.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _nsecKey?.Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory("Sign")]
    public byte SignBouncyCastle()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_message.Length + SignatureSize);
        _message.CopyTo(buffer, 0);
        BcEd25519.Sign(_seed, 0, _publicKey, 0, buffer, 0, _message.Length, buffer, _message.Length);
        buffer.AsSpan(_message.Length, SignatureSize).CopyTo(_signature);
        ArrayPool<byte>.Shared.Return(buffer);
        return _signature[0];
    }

    [Benchmark, BenchmarkCategory("Sign")]
    public byte SignNSec()
    {
        SignatureAlgorithm.Ed25519.Sign(_nsecKey!, _message, _signature);
        return _signature[0];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Verify")]
    public bool VerifyBouncyCastle()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SignatureSize + PublicKeySize + _message.Length);
        _signature.CopyTo(buffer, 0);
        _publicKey.CopyTo(buffer, SignatureSize);
        _message.CopyTo(buffer, SignatureSize + PublicKeySize);
        bool valid = BcEd25519.Verify(buffer, 0, buffer, SignatureSize, buffer, SignatureSize + PublicKeySize, _message.Length);
        ArrayPool<byte>.Shared.Return(buffer);
        return valid;
    }

    [Benchmark, BenchmarkCategory("Verify")]
    public bool VerifyNSec() =>
        NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, _publicKey, KeyBlobFormat.RawPublicKey, out var key)
        && SignatureAlgorithm.Ed25519.Verify(key!, _message, _signature);
}
