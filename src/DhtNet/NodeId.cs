using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using DhtNet.Kademlia;

namespace DhtNet;

/// <summary>
/// A 160-bit Kademlia identifier: a node id, an infohash or a BEP 44 target. A value type of
/// 20 bytes compared in big-endian order; the XOR of two ids is their distance.
/// </summary>
public readonly struct NodeId : IEquatable<NodeId>, IComparable<NodeId>, IKademliaKey<NodeId>
{
    /// <summary>Length of an id in bytes.</summary>
    public const int Size = 20;

    /// <summary>Length of an id in bits.</summary>
    public const int Bits = 160;

    // Big-endian: _high holds bytes 0..7, _middle 8..15, _low 16..19.
    private readonly ulong _high;
    private readonly ulong _middle;
    private readonly uint _low;

    private NodeId(ulong high, ulong middle, uint low)
    {
        _high = high;
        _middle = middle;
        _low = low;
    }

    /// <summary>Reads an id from exactly 20 bytes.</summary>
    public NodeId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A node id is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _middle = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    static int IKademliaKey<NodeId>.Bits => Bits;

    static int IKademliaKey<NodeId>.Size => Size;

    /// <summary>The id of all zero bits.</summary>
    public static NodeId Zero => default;

    /// <summary>The id of all one bits (the largest distance).</summary>
    public static NodeId Max => new(ulong.MaxValue, ulong.MaxValue, uint.MaxValue);

    /// <summary>A uniformly random id from the system's cryptographic generator.</summary>
    public static NodeId Random()
    {
        Span<byte> bytes = stackalloc byte[Size];
        RandomNumberGenerator.Fill(bytes);
        return new NodeId(bytes);
    }

    /// <summary>A random id from <paramref name="random"/> (seeded ids for tests and simulations).</summary>
    public static NodeId Random(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[Size];
        random.NextBytes(bytes);
        return new NodeId(bytes);
    }

    /// <summary>The SHA-1 of <paramref name="data"/> as an id (infohashes, BEP 44 targets).</summary>
    public static NodeId Sha1(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA1.HashData(data, hash);
        return new NodeId(hash);
    }

    static NodeId IKademliaKey<NodeId>.Read(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>Parses 40 hex digits; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static NodeId Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        return TryParse(hex, out var id)
            ? id
            : throw new FormatException(hex.Length != Size * 2
                ? $"An id must be 40 hex digits, got {hex.Length}."
                : "An id must be 40 hex digits (0-9, a-f).");
    }

    public static bool TryParse(ReadOnlySpan<char> hex, out NodeId id)
    {
        id = default;
        if (hex.Length != Size * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }

        id = new NodeId(bytes);
        return true;
    }

    /// <summary>Writes the 20 bytes of the id to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination needs {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _middle);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _low);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The XOR distance between this id and <paramref name="other"/>.</summary>
    public NodeId Xor(NodeId other) => new(_high ^ other._high, _middle ^ other._middle, _low ^ other._low);

    /// <summary>Number of leading bits this id shares with <paramref name="other"/> (160 when equal).</summary>
    public int CommonPrefixLength(NodeId other) => Xor(other).LeadingZeroCount();

    /// <summary>Number of leading zero bits (160 for <see cref="Zero"/>).</summary>
    public int LeadingZeroCount()
    {
        if (_high != 0)
        {
            return BitOperations.LeadingZeroCount(_high);
        }

        if (_middle != 0)
        {
            return 64 + BitOperations.LeadingZeroCount(_middle);
        }

        return _low != 0 ? 128 + BitOperations.LeadingZeroCount(_low) : Bits;
    }

    /// <summary>The bit at <paramref name="index"/>, 0 being the most significant.</summary>
    public bool GetBit(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
        return index switch
        {
            < 64 => ((_high >> (63 - index)) & 1) != 0,
            < 128 => ((_middle >> (127 - index)) & 1) != 0,
            _ => ((_low >> (159 - index)) & 1) != 0,
        };
    }

    /// <summary>Returns this id with bit <paramref name="index"/> set to <paramref name="value"/>.</summary>
    public NodeId WithBit(int index, bool value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
        ulong high = _high, middle = _middle;
        uint low = _low;
        switch (index)
        {
            case < 64:
                high = value ? high | (1UL << (63 - index)) : high & ~(1UL << (63 - index));
                break;
            case < 128:
                middle = value ? middle | (1UL << (127 - index)) : middle & ~(1UL << (127 - index));
                break;
            default:
                low = value ? low | (1U << (159 - index)) : low & ~(1U << (159 - index));
                break;
        }

        return new NodeId(high, middle, low);
    }

    /// <summary>
    /// Compares the distances of <paramref name="a"/> and <paramref name="b"/> to
    /// <paramref name="target"/>: negative when <paramref name="a"/> is closer.
    /// </summary>
    public static int CompareDistance(NodeId a, NodeId b, NodeId target) => a.Xor(target).CompareTo(b.Xor(target));

    public int CompareTo(NodeId other)
    {
        int c = _high.CompareTo(other._high);
        if (c != 0)
        {
            return c;
        }

        c = _middle.CompareTo(other._middle);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    public bool Equals(NodeId other) => _high == other._high && _middle == other._middle && _low == other._low;

    public override bool Equals(object? obj) => obj is NodeId other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _middle, _low);

    /// <summary>40 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public static bool operator ==(NodeId left, NodeId right) => left.Equals(right);

    public static bool operator !=(NodeId left, NodeId right) => !left.Equals(right);

    public static bool operator <(NodeId left, NodeId right) => left.CompareTo(right) < 0;

    public static bool operator >(NodeId left, NodeId right) => left.CompareTo(right) > 0;

    public static bool operator <=(NodeId left, NodeId right) => left.CompareTo(right) <= 0;

    public static bool operator >=(NodeId left, NodeId right) => left.CompareTo(right) >= 0;
}
