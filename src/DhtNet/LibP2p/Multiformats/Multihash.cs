using System.Security.Cryptography;

namespace DhtNet.LibP2p.Multiformats;

/// <summary>
/// A self-describing hash: varint function code, varint digest length, digest. Immutable; equal when
/// the bytes are equal. Digests of the functions this library knows are checked for their length.
/// </summary>
public sealed class Multihash : IEquatable<Multihash>
{
    /// <summary>
    /// The longest digest accepted. Far above any hash function's output; it bounds identity
    /// multihashes (inline data) taken from peers.
    /// </summary>
    public const int MaxDigestLength = 1024;

    private readonly byte[] _bytes;
    private readonly int _digestOffset;

    private Multihash(byte[] bytes, ulong code, int digestOffset)
    {
        _bytes = bytes;
        Code = code;
        _digestOffset = digestOffset;
    }

    /// <summary>The hash function's multicodec code (<see cref="Multicodec.Sha2_256"/>, <see cref="Multicodec.Identity"/>, …).</summary>
    public ulong Code { get; }

    /// <summary>The digest (for identity, the data itself).</summary>
    public ReadOnlyMemory<byte> Digest => _bytes.AsMemory(_digestOffset);

    /// <summary>The whole multihash as bytes.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>The byte length of the whole multihash.</summary>
    public int Length => _bytes.Length;

    /// <summary>The hash function's name from the multicodec table, or its code in hex.</summary>
    public string FunctionName => Multicodec.GetName(Code) ?? $"0x{Code:x}";

    /// <summary>Hashes <paramref name="data"/> with sha2-256.</summary>
    public static Multihash Sha256(ReadOnlySpan<byte> data) => Sum(Multicodec.Sha2_256, data);

    /// <summary>The identity multihash: <paramref name="data"/> carried verbatim.</summary>
    public static Multihash Identity(ReadOnlySpan<byte> data) => Sum(Multicodec.Identity, data);

    /// <summary>Hashes <paramref name="data"/> with the function <paramref name="code"/>: identity, sha1, sha2-256 or sha2-512.</summary>
    /// <exception cref="NotSupportedException">The function is not one of those.</exception>
    public static Multihash Sum(ulong code, ReadOnlySpan<byte> data)
    {
        switch (code)
        {
            case Multicodec.Identity:
                return Create(code, data);
            case Multicodec.Sha1:
                return Create(code, SHA1.HashData(data));
            case Multicodec.Sha2_256:
                return Create(code, SHA256.HashData(data));
            case Multicodec.Sha2_512:
                return Create(code, SHA512.HashData(data));
            default:
                throw new NotSupportedException($"Hashing with multihash function 0x{code:x} is not supported.");
        }
    }

    /// <summary>Wraps an existing digest made by function <paramref name="code"/>.</summary>
    /// <exception cref="ArgumentException">The digest is longer than the function makes or than <see cref="MaxDigestLength"/>.</exception>
    public static Multihash Create(ulong code, ReadOnlySpan<byte> digest)
    {
        var error = CheckDigestLength(code, digest.Length);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(digest));
        }

        var codeLength = Varint.GetLength(code);
        var bytes = new byte[codeLength + Varint.GetLength((ulong)digest.Length) + digest.Length];
        var offset = Varint.Write(bytes, code);
        offset += Varint.Write(bytes.AsSpan(offset), (ulong)digest.Length);
        digest.CopyTo(bytes.AsSpan(offset));
        return new Multihash(bytes, code, offset);
    }

    /// <summary>Parses a multihash that is exactly <paramref name="bytes"/>.</summary>
    /// <exception cref="LibP2pFormatException">Not a multihash, or bytes left over.</exception>
    public static Multihash FromBytes(ReadOnlySpan<byte> bytes)
    {
        var multihash = Read(bytes, out var consumed);
        if (consumed != bytes.Length)
        {
            throw new LibP2pFormatException($"{bytes.Length - consumed} bytes follow the multihash.");
        }

        return multihash;
    }

    /// <summary>Reads a multihash from the start of <paramref name="source"/> (CIDs and multiaddrs embed them).</summary>
    /// <exception cref="LibP2pFormatException">The varints are invalid, the digest is truncated, or its length is wrong for the function.</exception>
    public static Multihash Read(ReadOnlySpan<byte> source, out int bytesConsumed)
    {
        var code = Varint.Read(source, out var codeLength);
        var length = Varint.ReadInt32(source[codeLength..], MaxDigestLength, "multihash digest length", out var lengthLength);
        var digestOffset = codeLength + lengthLength;
        if (source.Length - digestOffset < length)
        {
            throw new LibP2pFormatException($"The multihash digest is truncated: {length} bytes declared, {source.Length - digestOffset} present.");
        }

        var error = CheckDigestLength(code, length);
        if (error is not null)
        {
            throw new LibP2pFormatException(error);
        }

        bytesConsumed = digestOffset + length;
        return new Multihash(source[..bytesConsumed].ToArray(), code, digestOffset);
    }

    /// <summary>True when this multihash is the hash of <paramref name="data"/> (false for functions this library cannot compute).</summary>
    public bool Matches(ReadOnlySpan<byte> data) => Code switch
    {
        Multicodec.Identity or Multicodec.Sha1 or Multicodec.Sha2_256 or Multicodec.Sha2_512 => Sum(Code, data).Equals(this),
        _ => false,
    };

    public bool Equals(Multihash? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as Multihash);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>The function name and the digest in hex, for logs.</summary>
    public override string ToString() => $"{FunctionName}:{Convert.ToHexStringLower(Digest.Span)}";

    public static bool operator ==(Multihash? left, Multihash? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Multihash? left, Multihash? right) => !(left == right);

    /// <summary>Functions with a fixed output may carry a truncated digest but never a longer one.</summary>
    private static string? CheckDigestLength(ulong code, int length)
    {
        var max = code switch
        {
            Multicodec.Sha1 => 20,
            Multicodec.Sha2_256 => 32,
            Multicodec.Sha2_512 => 64,
            _ => MaxDigestLength,
        };
        return length > max
            ? $"A {Multicodec.GetName(code) ?? $"0x{code:x}"} digest of {length} bytes is longer than the limit {max}."
            : null;
    }
}
