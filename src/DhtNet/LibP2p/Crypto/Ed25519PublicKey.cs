using NSec.Cryptography;

namespace DhtNet.LibP2p.Crypto;

/// <summary>An Ed25519 public key (32 bytes; RFC 8032 signatures), the default libp2p key type.</summary>
public sealed class Ed25519PublicKey : PublicKey
{
    /// <summary>The length of the key and of its raw encoding.</summary>
    public const int Length = 32;

    private readonly NSec.Cryptography.PublicKey _key;

    private Ed25519PublicKey(NSec.Cryptography.PublicKey key, byte[] raw)
        : base(KeyType.Ed25519, raw)
    {
        _key = key;
    }

    /// <summary>The key from its 32 raw bytes.</summary>
    /// <exception cref="LibP2pFormatException">Not 32 bytes, or not a point on the curve.</exception>
    public static Ed25519PublicKey FromRaw(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != Length)
        {
            throw new LibP2pFormatException($"An Ed25519 public key is {Length} bytes, not {raw.Length}.");
        }

        if (!NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key) || key is null)
        {
            throw new LibP2pFormatException("The Ed25519 public key is not a valid curve point.");
        }

        return new Ed25519PublicKey(key, raw.ToArray());
    }

    internal static Ed25519PublicKey FromNSec(NSec.Cryptography.PublicKey key) =>
        new(key, key.Export(KeyBlobFormat.RawPublicKey));

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        SignatureAlgorithm.Ed25519.Verify(_key, data, signature);
}
