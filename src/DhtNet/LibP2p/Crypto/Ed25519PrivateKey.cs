using DhtNet.Security;

namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// An Ed25519 private key as libp2p uses it (peer identities). Its libp2p encoding is the 32-byte
/// seed followed by the 32-byte public key. The signing itself is <see cref="Ed25519KeyPair"/>'s, the
/// library's one Ed25519 key type, so one key can be both a peer identity and a BEP 44 signer.
/// </summary>
public sealed class Ed25519PrivateKey : PrivateKey
{
    /// <summary>The length of a seed.</summary>
    public const int SeedLength = Ed25519KeyPair.SeedSize;

    private readonly Ed25519PublicKey _publicKey;

    private Ed25519PrivateKey(Ed25519KeyPair keyPair)
    {
        KeyPair = keyPair;
        _publicKey = Ed25519PublicKey.Of(keyPair);
    }

    public override KeyType Type => KeyType.Ed25519;

    public override PublicKey PublicKey => _publicKey;

    /// <summary>The same key as an <see cref="Ed25519KeyPair"/> (to sign BEP 44 items with a peer's identity, say).</summary>
    public Ed25519KeyPair KeyPair { get; }

    /// <summary>A new key from the system's secure random generator.</summary>
    public static Ed25519PrivateKey Generate() => new(Ed25519KeyPair.Generate());

    /// <summary>The libp2p identity of an existing key pair.</summary>
    public static Ed25519PrivateKey FromKeyPair(Ed25519KeyPair keyPair)
    {
        ArgumentNullException.ThrowIfNull(keyPair);
        return new(keyPair);
    }

    /// <summary>The key whose RFC 8032 seed (the "private key" of the RFC) is <paramref name="seed32"/>.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public static Ed25519PrivateKey FromSeed(ReadOnlySpan<byte> seed32)
    {
        if (seed32.Length != SeedLength)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedLength} bytes, not {seed32.Length}.", nameof(seed32));
        }

        return new(Ed25519KeyPair.FromSeed(seed32));
    }

    /// <summary>
    /// The key from its libp2p encoding: seed and public key (64 bytes), or the older seed and the
    /// public key twice (96 bytes). The public key must be the seed's.
    /// </summary>
    /// <exception cref="LibP2pFormatException">Another length, or a public key that does not belong to the seed.</exception>
    public static Ed25519PrivateKey FromRaw(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != 64 && raw.Length != 96)
        {
            throw new LibP2pFormatException($"An Ed25519 private key is 64 or 96 bytes, not {raw.Length}.");
        }

        if (raw.Length == 96 && !raw[32..64].SequenceEqual(raw[64..]))
        {
            throw new LibP2pFormatException("The 96-byte Ed25519 private key holds two different public keys.");
        }

        var key = FromSeed(raw[..SeedLength]);
        if (!key._publicKey.Raw.Span.SequenceEqual(raw[32..64]))
        {
            throw new LibP2pFormatException("The Ed25519 private key's public half does not belong to its seed.");
        }

        return key;
    }

    /// <summary>The 32-byte seed. It is the secret: store it with care.</summary>
    public byte[] ExportSeed() => KeyPair.ExportSeed();

    public override byte[] Sign(ReadOnlySpan<byte> data) => KeyPair.Sign(data);

    private protected override byte[] ExportRaw()
    {
        var seed = ExportSeed();
        var raw = new byte[64];
        seed.CopyTo(raw, 0);
        _publicKey.Raw.Span.CopyTo(raw.AsSpan(32));
        Array.Clear(seed);
        return raw;
    }
}
