using System.Diagnostics.CodeAnalysis;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p;

/// <summary>
/// A content identifier: version 0 (a bare sha2-256 multihash, dag-pb content, base58btc <c>Qm…</c>)
/// or version 1 (varint version, varint content codec, multihash; multibase text, base32 by default).
/// Immutable; equal when the binary forms are equal.
/// </summary>
public sealed class Cid : IEquatable<Cid>
{
    private const int V0TextLength = 46;
    private const int V0ByteLength = 34;

    private readonly byte[] _bytes;

    private Cid(int version, ulong codec, Multihash multihash, byte[] bytes)
    {
        Version = version;
        Codec = codec;
        Multihash = multihash;
        _bytes = bytes;
    }

    /// <summary>0 or 1.</summary>
    public int Version { get; }

    /// <summary>The content type's multicodec code (<see cref="Multicodec.DagPb"/> for version 0).</summary>
    public ulong Codec { get; }

    /// <summary>The content type's name from the multicodec table, or its code in hex.</summary>
    public string CodecName => Multicodec.GetName(Codec) ?? $"0x{Codec:x}";

    /// <summary>The content's hash.</summary>
    public Multihash Multihash { get; }

    /// <summary>A version 1 CID.</summary>
    public static Cid CreateV1(ulong codec, Multihash multihash)
    {
        ArgumentNullException.ThrowIfNull(multihash);
        var codecLength = Varint.GetLength(codec);
        var bytes = new byte[1 + codecLength + multihash.Length];
        bytes[0] = 1;
        Varint.Write(bytes.AsSpan(1), codec);
        multihash.Bytes.Span.CopyTo(bytes.AsSpan(1 + codecLength));
        return new Cid(1, codec, multihash, bytes);
    }

    /// <summary>A version 0 CID: <paramref name="multihash"/> must be a full sha2-256.</summary>
    /// <exception cref="ArgumentException">Another hash.</exception>
    public static Cid CreateV0(Multihash multihash)
    {
        ArgumentNullException.ThrowIfNull(multihash);
        if (multihash.Code != Multicodec.Sha2_256 || multihash.Length != V0ByteLength)
        {
            throw new ArgumentException("A version 0 CID is a 32-byte sha2-256 multihash.", nameof(multihash));
        }

        return new Cid(0, Multicodec.DagPb, multihash, multihash.Bytes.ToArray());
    }

    /// <summary>The CIDv1 of <paramref name="data"/> with sha2-256 and codec <paramref name="codec"/> (raw by default).</summary>
    public static Cid Hash(ReadOnlySpan<byte> data, ulong codec = Multicodec.Raw) => CreateV1(codec, Multihash.Sha256(data));

    /// <summary>Parses a CID: 46-character <c>Qm…</c> (version 0) or multibase text (version 1).</summary>
    /// <exception cref="LibP2pFormatException">Neither form, or invalid inside.</exception>
    public static Cid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == V0TextLength && text.StartsWith("Qm", StringComparison.Ordinal))
        {
            return FromBytes(Multibase.DecodeRaw(text, MultibaseEncoding.Base58Btc));
        }

        var bytes = Multibase.Decode(text);
        if (bytes.Length > 0 && bytes[0] != 1)
        {
            throw new LibP2pFormatException($"Multibase CID text must hold a version 1 CID, not version byte 0x{bytes[0]:x2}.");
        }

        return FromBytes(bytes);
    }

    /// <summary>Like <see cref="Parse"/>, but false for text that is not a CID.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Cid? cid)
    {
        cid = null;
        if (text is null)
        {
            return false;
        }

        try
        {
            cid = Parse(text);
            return true;
        }
        catch (LibP2pFormatException)
        {
            return false;
        }
    }

    /// <summary>Parses the binary form, which must be all of <paramref name="bytes"/>.</summary>
    /// <exception cref="LibP2pFormatException">Not a CID, or bytes left over.</exception>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        var cid = Read(bytes, out var consumed);
        if (consumed != bytes.Length)
        {
            throw new LibP2pFormatException($"{bytes.Length - consumed} bytes follow the CID.");
        }

        return cid;
    }

    /// <summary>Reads a binary CID from the start of <paramref name="source"/>.</summary>
    /// <exception cref="LibP2pFormatException">Not a CID.</exception>
    public static Cid Read(ReadOnlySpan<byte> source, out int bytesConsumed)
    {
        // A version 0 CID is a bare sha2-256 multihash; its first byte 0x12 is no valid version.
        if (source.Length >= 2 && source[0] == Multicodec.Sha2_256 && source[1] == 32)
        {
            if (source.Length < V0ByteLength)
            {
                throw new LibP2pFormatException($"The version 0 CID is truncated: {source.Length} of {V0ByteLength} bytes.");
            }

            var multihash = Multihash.FromBytes(source[..V0ByteLength]);
            bytesConsumed = V0ByteLength;
            return new Cid(0, Multicodec.DagPb, multihash, source[..V0ByteLength].ToArray());
        }

        var version = Varint.Read(source, out var versionLength);
        if (version != 1)
        {
            throw new LibP2pFormatException(version == 0
                ? "A version 0 CID has no version varint; it is a bare sha2-256 multihash."
                : $"CID version {version} is not supported.");
        }

        var codec = Varint.Read(source[versionLength..], out var codecLength);
        var headerLength = versionLength + codecLength;
        var hash = Multihash.Read(source[headerLength..], out var hashLength);
        bytesConsumed = headerLength + hashLength;
        return new Cid(1, codec, hash, source[..bytesConsumed].ToArray());
    }

    /// <summary>The binary form.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>The binary form, without copying.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>This CID as version 1 (a version 0 CID becomes dag-pb version 1).</summary>
    public Cid ToV1() => Version == 1 ? this : CreateV1(Codec, Multihash);

    /// <summary>Version 0 as <c>Qm…</c>; version 1 as base32 (<c>b…</c>).</summary>
    public override string ToString() =>
        Version == 0 ? Multibase.EncodeRaw(_bytes, MultibaseEncoding.Base58Btc) : Multibase.Encode(_bytes, MultibaseEncoding.Base32Lower);

    /// <summary>Version 1 text in <paramref name="encoding"/>; version 0 has only its base58btc form.</summary>
    /// <exception cref="InvalidOperationException">Version 0 in another encoding than base58btc.</exception>
    public string ToString(MultibaseEncoding encoding)
    {
        if (Version == 0)
        {
            return encoding == MultibaseEncoding.Base58Btc
                ? ToString()
                : throw new InvalidOperationException("A version 0 CID is written only in base58btc; convert it with ToV1() first.");
        }

        return Multibase.Encode(_bytes, encoding);
    }

    public bool Equals(Cid? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Cid);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(Cid? left, Cid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Cid? left, Cid? right) => !(left == right);
}
