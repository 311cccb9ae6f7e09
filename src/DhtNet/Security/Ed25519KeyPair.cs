using System.Buffers;
using System.Security.Cryptography;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace DhtNet.Security;

/// <summary>
/// An Ed25519 key pair (RFC 8032) that signs BEP 44 mutable items. Immutable and thread-safe.
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

    // Layout of the pooled buffer Verify hands to BouncyCastle, whose API takes arrays only.
    private const int VerifySignatureOffset = 0;
    private const int VerifyPublicKeyOffset = SignatureSize;
    private const int VerifyMessageOffset = SignatureSize + PublicKeySize;

    private readonly byte[] _seed;
    private readonly byte[] _publicKey;

    private Ed25519KeyPair(byte[] seed)
    {
        _seed = seed;
        _publicKey = new byte[PublicKeySize];
        BcEd25519.GeneratePublicKey(_seed, 0, _publicKey, 0);
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

        byte[] buffer = ArrayPool<byte>.Shared.Rent(message.Length + SignatureSize);
        try
        {
            message.CopyTo(buffer);

            // The overload taking the public key saves recomputing it (a scalar multiplication) per signature.
            BcEd25519.Sign(_seed, 0, _publicKey, 0, buffer, 0, message.Length, buffer, message.Length);
            buffer.AsSpan(message.Length, SignatureSize).CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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

        // One pooled array holds all three inputs, so a verification allocates nothing here.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(VerifyMessageOffset + message.Length);
        try
        {
            signature.CopyTo(buffer.AsSpan(VerifySignatureOffset));
            publicKey.CopyTo(buffer.AsSpan(VerifyPublicKeyOffset));
            message.CopyTo(buffer.AsSpan(VerifyMessageOffset));
            return BcEd25519.Verify(buffer, VerifySignatureOffset, buffer, VerifyPublicKeyOffset, buffer, VerifyMessageOffset, message.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The public key in hex; the seed never appears in text output.</summary>
    public override string ToString() => Convert.ToHexStringLower(_publicKey);
}
