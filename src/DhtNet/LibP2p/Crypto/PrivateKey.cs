namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// A libp2p private key: signs by the libp2p rules for its type and serialises as the libp2p
/// <c>PrivateKey</c> protobuf (the format libp2p implementations keep on disk).
/// </summary>
public abstract class PrivateKey
{
    private protected PrivateKey()
    {
    }

    /// <summary>The key type.</summary>
    public abstract KeyType Type { get; }

    /// <summary>The public half.</summary>
    public abstract PublicKey PublicKey { get; }

    /// <summary>The peer id of the public half.</summary>
    public PeerId PeerId => PeerId.FromPublicKey(PublicKey);

    /// <summary>Signs <paramref name="data"/>; <see cref="PublicKey.Verify"/> of the public half accepts the result.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> data);

    /// <summary>The libp2p <c>PrivateKey</c> protobuf. It holds the secret: store it with care.</summary>
    public byte[] Marshal()
    {
        var raw = ExportRaw();
        try
        {
            return KeyProtobuf.Write(Type, raw);
        }
        finally
        {
            Array.Clear(raw);
        }
    }

    /// <summary>Reads a libp2p <c>PrivateKey</c> protobuf.</summary>
    /// <exception cref="LibP2pFormatException">Not the deterministic protobuf, or the key inside is invalid for its type.</exception>
    public static PrivateKey Unmarshal(ReadOnlySpan<byte> protobuf)
    {
        var (type, data) = KeyProtobuf.Read(protobuf, "private key", out var copy);
        try
        {
            return type switch
            {
                KeyType.Ed25519 => Ed25519PrivateKey.FromRaw(data.Span),
                KeyType.Secp256k1 => Secp256k1PrivateKey.FromRaw(data.Span),
                KeyType.Ecdsa => EcdsaPrivateKey.FromRaw(data.Span),
                _ => RsaPrivateKey.FromRaw(data.Span),
            };
        }
        finally
        {
            // The copy held the secret; clear it rather than leave it to the collector.
            Array.Clear(copy);
        }
    }

    /// <summary>The key in its type's encoding (the protobuf's Data field).</summary>
    private protected abstract byte[] ExportRaw();
}
