using System.Security.Cryptography;
using NSec.Cryptography;

namespace DhtNet.Security;

/// <summary>
/// An Ed25519 key pair (RFC 8032) that signs BEP 44 mutable items, and the library's one Ed25519
/// implementation (libp2p's <see cref="LibP2p.Crypto.Ed25519PrivateKey"/> signs through it). Immutable and thread-safe.
/// The private part is the 32-byte seed; save it with <see cref="Save"/> and keep it secret.
/// </summary>
public sealed partial class Ed25519KeyPair
{
    /// <summary>Length of a private seed in bytes.</summary>
    public const int SeedSize = 32;

    /// <summary>Length of a public key in bytes.</summary>
    public const int PublicKeySize = 32;

    /// <summary>Length of a signature in bytes.</summary>
    public const int SignatureSize = 64;

    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    private readonly byte[] _seed;
    private readonly byte[] _publicKey;

    // libsodium's expanded secret key, imported once so a signature costs no key expansion. It lives
    // in libsodium's guarded memory and is freed by its handle's finalizer with this pair.
    private readonly Key _key;

    private Ed25519KeyPair(byte[] seed)
    {
        _seed = seed;
        _key = Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey);
        _publicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The 32-byte public key (BEP 44's <c>k</c>).</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>A new key pair from the system's cryptographic random generator.</summary>
    public static Ed25519KeyPair Generate()
    {
        var seed = new byte[SeedSize];
        RandomNumberGenerator.Fill(seed);
        return new Ed25519KeyPair(seed);
    }

    /// <summary>The key pair of a 32-byte RFC 8032 seed (not a 64-byte expanded secret key).</summary>
    public static Ed25519KeyPair FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedSize} bytes, got {seed.Length}.", nameof(seed));
        }

        return new Ed25519KeyPair(seed.ToArray());
    }

    /// <summary>A copy of the secret 32-byte seed, from which <see cref="FromSeed"/> rebuilds this pair.</summary>
    public byte[] ExportSeed() => (byte[])_seed.Clone();

    /// <summary>Signs <paramref name="message"/>; returns the 64-byte signature.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signature = new byte[SignatureSize];
        Sign(message, signature);
        return signature;
    }

    /// <summary>Signs <paramref name="message"/> into the first 64 bytes of <paramref name="destination"/>.</summary>
    public void Sign(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        if (destination.Length < SignatureSize)
        {
            throw new ArgumentException($"A signature needs {SignatureSize} bytes, got {destination.Length}.", nameof(destination));
        }

        // libsodium signs in one pass over spans (Sign is thread-safe on one key).
        Algorithm.Sign(_key, message, destination[..SignatureSize]);
    }

    /// <summary>
    /// True when <paramref name="signature"/> is a valid signature of <paramref name="message"/> by
    /// <paramref name="publicKey"/>. Meant for hostile input: wrong lengths, keys that are not curve
    /// points and non-canonical signatures give false, never an exception.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        // Hostile input comes back false: libsodium's verify rejects keys that are not canonical curve
        // points, small-order keys and R values, and S values not below the group order.
        return NSec.Cryptography.PublicKey.TryImport(Algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key)
            && Algorithm.Verify(key!, message, signature);
    }

    /// <summary>True when <paramref name="publicKey"/> is 32 bytes that import as an Ed25519 public key.</summary>
    internal static bool IsPublicKey(ReadOnlySpan<byte> publicKey) =>
        publicKey.Length == PublicKeySize && NSec.Cryptography.PublicKey.TryImport(Algorithm, publicKey, KeyBlobFormat.RawPublicKey, out _);

    /// <summary>The public key in hex; the seed never appears in text output.</summary>
    public override string ToString() => Convert.ToHexStringLower(_publicKey);
}
