using System.Diagnostics.CodeAnalysis;
using DhtNet.LibP2p.Crypto;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p;

/// <summary>
/// A libp2p peer id: the multihash of the peer's public key protobuf — identity (the key itself) for
/// protobufs of at most 42 bytes (Ed25519, secp256k1), sha2-256 otherwise (RSA, ECDSA). Text is bare
/// base58btc (<c>12D3Koo…</c>, <c>Qm…</c>) or a CIDv1 with the libp2p-key codec (<c>bafz…</c>, <c>k51…</c>).
/// Immutable; <c>default</c> is the empty id, which no parser returns.
/// </summary>
public readonly struct PeerId : IEquatable<PeerId>
{
    /// <summary>Public key protobufs up to this length are carried inline (identity multihash).</summary>
    public const int MaxInlineKeyLength = 42;

    private readonly byte[]? _multihash;

    private PeerId(byte[] multihash) => _multihash = multihash;

    /// <summary>The multihash (what peers put on the wire).</summary>
    public ReadOnlyMemory<byte> Bytes => _multihash;

    /// <summary>True for <c>default(PeerId)</c>.</summary>
    public bool IsEmpty => _multihash is null;

    /// <summary>The peer id of <paramref name="key"/>.</summary>
    public static PeerId FromPublicKey(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var protobuf = key.Protobuf;
        var multihash = protobuf.Length <= MaxInlineKeyLength ? Multihash.Identity(protobuf) : Multihash.Sha256(protobuf);
        return new PeerId(multihash.Bytes.ToArray());
    }

    /// <summary>
    /// The peer id whose multihash is <paramref name="multihash"/>: an identity multihash of at most
    /// 42 bytes, or a sha2-256 one.
    /// </summary>
    /// <exception cref="LibP2pFormatException">Not a multihash, or another hash function or length.</exception>
    public static PeerId FromBytes(ReadOnlySpan<byte> multihash)
    {
        var error = Validate(multihash);
        if (error is not null)
        {
            throw new LibP2pFormatException(error);
        }

        return new PeerId(multihash.ToArray());
    }

    /// <summary>Like <see cref="FromBytes"/>, but false for bytes that are not a peer id.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> multihash, out PeerId peerId)
    {
        peerId = Validate(multihash) is null ? new PeerId(multihash.ToArray()) : default;
        return !peerId.IsEmpty;
    }

    /// <summary>Parses bare base58btc (<c>1…</c>, <c>Qm…</c>) or a multibase CIDv1 with the libp2p-key codec.</summary>
    /// <exception cref="LibP2pFormatException">Neither form, or not a peer id multihash.</exception>
    public static PeerId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith('1') || text.StartsWith("Qm", StringComparison.Ordinal))
        {
            return FromBytes(Multibase.DecodeRaw(text, MultibaseEncoding.Base58Btc));
        }

        if (text.Length == 0)
        {
            throw new LibP2pFormatException("The peer id text is empty.");
        }

        var cid = Cid.Parse(text);
        if (cid.Version != 1 || cid.Codec != Multicodec.Libp2pKey)
        {
            throw new LibP2pFormatException($"A peer id CID must be version 1 with the libp2p-key codec, not version {cid.Version} with {cid.CodecName}.");
        }

        return FromBytes(cid.Multihash.Bytes.Span);
    }

    /// <summary>Like <see cref="Parse"/>, but false for text that is not a peer id.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out PeerId peerId)
    {
        peerId = default;
        if (text is null)
        {
            return false;
        }

        try
        {
            peerId = Parse(text);
            return true;
        }
        catch (LibP2pFormatException)
        {
            return false;
        }
    }

    /// <summary>The public key carried in an identity multihash, or null for hashed ids (or an inline protobuf that is not a valid key).</summary>
    public PublicKey? TryExtractPublicKey()
    {
        var bytes = _multihash;
        // Identity multihash: 0x00, a one-byte length (at most 42), the key protobuf.
        if (bytes is null || bytes[0] != Multicodec.Identity)
        {
            return null;
        }

        return PublicKey.TryUnmarshal(bytes.AsSpan(2), out var key) ? key : null;
    }

    /// <summary>True when this is the peer id of <paramref name="key"/>.</summary>
    public bool Matches(PublicKey key) => Equals(FromPublicKey(key));

    /// <summary>The CIDv1 (libp2p-key) text in base32, the form the peer-ids spec prefers for new uses (<c>bafz…</c>).</summary>
    public string ToCidString() => ToCidString(MultibaseEncoding.Base32Lower);

    /// <summary>The CIDv1 (libp2p-key) text in <paramref name="encoding"/> (<see cref="MultibaseEncoding.Base36Lower"/> gives <c>k51…</c>).</summary>
    public string ToCidString(MultibaseEncoding encoding) => ToCid().ToString(encoding);

    /// <summary>The CIDv1 with the libp2p-key codec that names this peer.</summary>
    public Cid ToCid() => Cid.CreateV1(Multicodec.Libp2pKey, Multihash.FromBytes(NonEmpty()));

    /// <summary>The bare base58btc text (<c>12D3Koo…</c> for Ed25519, <c>Qm…</c> for RSA); empty for <c>default</c>.</summary>
    public override string ToString() => _multihash is null ? string.Empty : Multibase.EncodeRaw(_multihash, MultibaseEncoding.Base58Btc);

    public bool Equals(PeerId other) => _multihash.AsSpan().SequenceEqual(other._multihash);

    public override bool Equals(object? obj) => obj is PeerId other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_multihash);
        return hash.ToHashCode();
    }

    public static bool operator ==(PeerId left, PeerId right) => left.Equals(right);

    public static bool operator !=(PeerId left, PeerId right) => !left.Equals(right);

    private byte[] NonEmpty() => _multihash ?? throw new InvalidOperationException("The empty peer id (default) has no multihash.");

    private static string? Validate(ReadOnlySpan<byte> bytes)
    {
        // Fixed shapes, checked without allocating: identity is 0x00, length <= 42, data;
        // sha2-256 is 0x12 0x20 and 32 bytes. Neither varint can be longer than one byte here.
        if (bytes.Length < 2)
        {
            return $"A peer id multihash is at least 2 bytes, not {bytes.Length}.";
        }

        return bytes[0] switch
        {
            (byte)Multicodec.Identity when bytes[1] > MaxInlineKeyLength =>
                $"An identity peer id carries at most {MaxInlineKeyLength} bytes, not {bytes[1]}.",
            (byte)Multicodec.Identity when bytes.Length != 2 + bytes[1] =>
                $"The identity peer id declares {bytes[1]} bytes and has {bytes.Length - 2}.",
            (byte)Multicodec.Identity => null,
            (byte)Multicodec.Sha2_256 when bytes[1] != 32 || bytes.Length != 34 =>
                "A sha2-256 peer id is 0x12 0x20 and a 32-byte digest.",
            (byte)Multicodec.Sha2_256 => null,
            _ => $"A peer id multihash is identity (0x00) or sha2-256 (0x12), not 0x{bytes[0]:x2}.",
        };
    }
}
