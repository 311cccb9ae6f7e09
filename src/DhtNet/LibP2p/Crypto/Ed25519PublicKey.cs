using DhtNet.Security;

namespace DhtNet.LibP2p.Crypto;

/// <summary>An Ed25519 public key (32 bytes; RFC 8032 signatures), the default libp2p key type.</summary>
public sealed class Ed25519PublicKey : PublicKey
{
    /// <summary>The length of the key and of its raw encoding.</summary>
    public const int Length = 32;

    private Ed25519PublicKey(byte[] raw)
        : base(KeyType.Ed25519, raw)
    {
    }

    /// <summary>The key from its 32 raw bytes.</summary>
    /// <exception cref="LibP2pFormatException">Not 32 bytes, or not a point on the curve.</exception>
    public static Ed25519PublicKey FromRaw(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != Length)
        {
            throw new LibP2pFormatException($"An Ed25519 public key is {Length} bytes, not {raw.Length}.");
        }

        if (!Ed25519KeyPair.IsPublicKey(raw))
        {
            throw new LibP2pFormatException("The Ed25519 public key is not a valid curve point.");
        }

        return new Ed25519PublicKey(raw.ToArray());
    }

    /// <summary>The public half of a key pair made here (a valid point by construction).</summary>
    internal static Ed25519PublicKey Of(Ed25519KeyPair pair) => new(pair.PublicKey.ToArray());

    // The one Ed25519 implementation (Security/Ed25519KeyPair): hostile keys and signatures give false.
    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        Ed25519KeyPair.Verify(Raw.Span, data, signature);
}
