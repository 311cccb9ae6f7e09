namespace DhtNet.LibP2p.Crypto;

/// <summary>
/// A libp2p public key: verifies signatures of its type and serialises as the libp2p
/// <c>PublicKey</c> protobuf, whose bytes a peer id is derived from. Immutable; equal when the
/// protobuf bytes are equal.
/// </summary>
public abstract class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] _protobuf;

    private protected PublicKey(KeyType type, byte[] raw)
    {
        Type = type;
        _protobuf = KeyProtobuf.Write(type, raw);
        Raw = _protobuf.AsMemory(_protobuf.Length - raw.Length);
    }

    /// <summary>The key type.</summary>
    public KeyType Type { get; }

    /// <summary>The key in its type's encoding (the protobuf's Data field): 32 bytes for Ed25519, PKIX DER for RSA and ECDSA, a compressed point for secp256k1.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>The protobuf bytes, without copying.</summary>
    internal ReadOnlySpan<byte> Protobuf => _protobuf;

    /// <summary>
    /// True when <paramref name="signature"/> is this key's signature of <paramref name="data"/> by the
    /// libp2p rules for the type. A malformed signature is false, never an exception.
    /// </summary>
    public abstract bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>The libp2p <c>PublicKey</c> protobuf.</summary>
    public byte[] Marshal() => (byte[])_protobuf.Clone();

    /// <summary>Reads a libp2p <c>PublicKey</c> protobuf of any of the four key types.</summary>
    /// <exception cref="LibP2pFormatException">Not the deterministic protobuf, or the key inside is invalid for its type.</exception>
    public static PublicKey Unmarshal(ReadOnlySpan<byte> protobuf)
    {
        var (type, data) = KeyProtobuf.Read(protobuf, "public key", out _);
        return FromRaw(type, data.Span);
    }

    /// <summary>Reads a libp2p <c>PublicKey</c> protobuf, or false when it is not a valid one.</summary>
    public static bool TryUnmarshal(ReadOnlySpan<byte> protobuf, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PublicKey? key)
    {
        try
        {
            key = Unmarshal(protobuf);
            return true;
        }
        catch (LibP2pFormatException)
        {
            key = null;
            return false;
        }
    }

    /// <summary>A key of <paramref name="type"/> from its raw encoding (the protobuf's Data field).</summary>
    /// <exception cref="LibP2pFormatException">The bytes are not a valid key of that type.</exception>
    public static PublicKey FromRaw(KeyType type, ReadOnlySpan<byte> raw) => type switch
    {
        KeyType.Ed25519 => Ed25519PublicKey.FromRaw(raw),
        KeyType.Rsa => RsaPublicKey.FromRaw(raw),
        KeyType.Secp256k1 => Secp256k1PublicKey.FromRaw(raw),
        KeyType.Ecdsa => EcdsaPublicKey.FromRaw(raw),
        _ => throw new LibP2pFormatException($"The key type {type} is not a libp2p key type."),
    };

    public bool Equals(PublicKey? other) => other is not null && _protobuf.AsSpan().SequenceEqual(other._protobuf);

    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_protobuf);
        return hash.ToHashCode();
    }

    /// <summary>The type and the peer id this key makes, for logs.</summary>
    public override string ToString() => $"{Type} {PeerId.FromPublicKey(this)}";
}
