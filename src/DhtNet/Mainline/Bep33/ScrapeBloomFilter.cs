using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Bep33;

/// <summary>
/// The BEP 33 scrape bloom filter (BFsd / BFpe): 2048 bits, two bits per IP address taken from
/// the SHA-1 of the address's compact form (4 or 16 bytes, no port). Filters from many nodes are
/// ORed together and the union's population estimated with <see cref="EstimateCount"/>.
/// </summary>
internal sealed class ScrapeBloomFilter
{
    /// <summary>Size of the filter on the wire, in bytes.</summary>
    public const int Size = 256;

    private const int Bits = Size * 8;

    private readonly byte[] _bits = new byte[Size];

    /// <summary>An empty filter.</summary>
    public ScrapeBloomFilter()
    {
    }

    /// <summary>A filter read from its 256 wire bytes (a BFsd or BFpe value).</summary>
    public ScrapeBloomFilter(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A scrape bloom filter is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        bytes.CopyTo(_bits);
    }

    /// <summary>The 256 bytes to send as BFsd or BFpe.</summary>
    public ReadOnlySpan<byte> Bytes => _bits;

    /// <summary>The filter's own bytes, for a reply built from a filter nobody else holds (no copy).</summary>
    internal ReadOnlyMemory<byte> Memory => _bits;

    /// <summary>True when no address has been inserted.</summary>
    public bool IsEmpty => _bits.AsSpan().IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Inserts an IPv4 or IPv6 address (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    public void Add(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> compact = stackalloc byte[CompactEncoding.MaxAddressSize];
        int length = CompactEncoding.WriteAddress(address, compact);
        Add(compact[..length]);
    }

    /// <summary>Inserts an address given in compact form: exactly 4 (IPv4) or 16 (IPv6) bytes.</summary>
    public void Add(ReadOnlySpan<byte> compactAddress)
    {
        GetIndexes(compactAddress, out int index1, out int index2);
        _bits[index1 >> 3] |= (byte)(1 << (index1 & 7));
        _bits[index2 >> 3] |= (byte)(1 << (index2 & 7));
    }

    /// <summary>True when the filter may hold <paramref name="address"/> (false positives are possible).</summary>
    public bool MayContain(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> compact = stackalloc byte[CompactEncoding.MaxAddressSize];
        int length = CompactEncoding.WriteAddress(address, compact);
        GetIndexes(compact[..length], out int index1, out int index2);
        return (_bits[index1 >> 3] & (1 << (index1 & 7))) != 0
            && (_bits[index2 >> 3] & (1 << (index2 & 7))) != 0;
    }

    /// <summary>ORs <paramref name="other"/> into this filter (the union of both sets).</summary>
    public void UnionWith(ScrapeBloomFilter other)
    {
        ArgumentNullException.ThrowIfNull(other);
        UnionWith(other._bits);
    }

    /// <summary>ORs a filter received in a reply (256 bytes) into this filter.</summary>
    public void UnionWith(ReadOnlySpan<byte> other)
    {
        if (other.Length != Size)
        {
            throw new ArgumentException($"A scrape bloom filter is {Size} bytes, got {other.Length}.", nameof(other));
        }

        for (int i = 0; i < Size; i++)
        {
            _bits[i] |= other[i];
        }
    }

    /// <summary>Clears every bit, so the filter can be reused.</summary>
    public void Clear() => Array.Clear(_bits);

    /// <summary>Copies the 256 wire bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination) => _bits.CopyTo(destination);

    /// <summary>
    /// The BEP 33 estimate of how many distinct addresses were inserted:
    /// log(c / m) / (k * log(1 - 1/m)) with c = min(m - 1, zero bits), k = 2, m = 2048.
    /// An empty filter gives 0 (the formula's clamp would give 0.5); a full filter, whose zero count
    /// the formula would take the log of, counts as one zero bit and gives the finite maximum (about 7,800).
    /// </summary>
    public double EstimateCount()
    {
        int ones = 0;
        for (int i = 0; i < Size; i += sizeof(ulong))
        {
            ones += BitOperations.PopCount(BitConverter.ToUInt64(_bits, i));
        }

        int zeros = Bits - ones;
        if (zeros == Bits)
        {
            return 0;
        }

        int c = Math.Max(1, Math.Min(Bits - 1, zeros));
        return Math.Log(c / (double)Bits) / (2 * Math.Log(1 - (1.0 / Bits)));
    }

    // BEP 33: the two indexes are the little-endian 16-bit values of hash bytes 0-1 and 2-3, mod m.
    private static void GetIndexes(ReadOnlySpan<byte> compactAddress, out int index1, out int index2)
    {
        if (compactAddress.Length is not (4 or 16))
        {
            throw new ArgumentException($"A compact address is 4 or 16 bytes, got {compactAddress.Length}.", nameof(compactAddress));
        }

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(compactAddress, hash);
        index1 = (hash[0] | (hash[1] << 8)) % Bits;
        index2 = (hash[2] | (hash[3] << 8)) % Bits;
    }
}
