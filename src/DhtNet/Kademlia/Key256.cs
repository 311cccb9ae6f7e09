using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace DhtNet.Kademlia;

/// <summary>
/// A 256-bit Kademlia key (libp2p Kademlia: the SHA-256 of a peer id or of a record key). A value
/// type of 32 bytes compared in big-endian order; the XOR of two keys is their distance.
/// </summary>
public readonly struct Key256 : IKademliaKey<Key256>
{
    /// <summary>Length of a key in bytes.</summary>
    public const int Size = 32;

    /// <summary>Length of a key in bits.</summary>
    public const int Bits = 256;

    // Big-endian: _a holds bytes 0..7, _b 8..15, _c 16..23, _d 24..31.
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private Key256(ulong a, ulong b, ulong c, ulong d)
    {
        _a = a;
        _b = b;
        _c = c;
        _d = d;
    }

    /// <summary>Reads a key from exactly 32 bytes.</summary>
    public Key256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A 256-bit key is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        }

        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    static int IKademliaKey<Key256>.Bits => Bits;

    static int IKademliaKey<Key256>.Size => Size;

    /// <summary>The key of all zero bits.</summary>
    public static Key256 Zero => default;

    /// <summary>The key of all one bits (the largest distance).</summary>
    public static Key256 Max => new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    /// <summary>A random key from <paramref name="random"/> (seeded keys for tests and simulations).</summary>
    public static Key256 Random(Random random) => KademliaKey.Random<Key256>(random);

    /// <summary>The SHA-256 of <paramref name="data"/> as a key, as libp2p Kademlia derives keys from peer ids and record keys.</summary>
    public static Key256 Sha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(data, hash);
        return new Key256(hash);
    }

    static Key256 IKademliaKey<Key256>.Read(ReadOnlySpan<byte> bytes) => new(bytes);

    /// <summary>Parses 64 hex digits; throws <see cref="FormatException"/> otherwise.</summary>
    public static Key256 Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != Size * 2)
        {
            throw new FormatException($"A 256-bit key must be 64 hex digits, got {hex.Length}.");
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            throw new FormatException("A 256-bit key must be 64 hex digits (0-9, a-f).");
        }

        return new Key256(bytes);
    }

    /// <summary>Negative when <paramref name="a"/> is closer to <paramref name="target"/> than <paramref name="b"/>.</summary>
    public static int CompareDistance(Key256 a, Key256 b, Key256 target) => a.Xor(target).CompareTo(b.Xor(target));

    /// <summary>Writes the 32 bytes of the key to <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination needs {Size} bytes.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>The XOR distance between this key and <paramref name="other"/>.</summary>
    public Key256 Xor(Key256 other) => new(_a ^ other._a, _b ^ other._b, _c ^ other._c, _d ^ other._d);

    /// <summary>Number of leading bits this key shares with <paramref name="other"/> (256 when equal).</summary>
    public int CommonPrefixLength(Key256 other) => Xor(other).LeadingZeroCount();

    /// <summary>Number of leading zero bits (256 for <see cref="Zero"/>).</summary>
    public int LeadingZeroCount()
    {
        if (_a != 0)
        {
            return BitOperations.LeadingZeroCount(_a);
        }

        if (_b != 0)
        {
            return 64 + BitOperations.LeadingZeroCount(_b);
        }

        if (_c != 0)
        {
            return 128 + BitOperations.LeadingZeroCount(_c);
        }

        return _d != 0 ? 192 + BitOperations.LeadingZeroCount(_d) : Bits;
    }

    /// <summary>The bit at <paramref name="index"/>, 0 being the most significant.</summary>
    public bool GetBit(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
        return ((Word(index >> 6) >> (63 - (index & 63))) & 1) != 0;
    }

    /// <summary>Returns this key with bit <paramref name="index"/> set to <paramref name="value"/>.</summary>
    public Key256 WithBit(int index, bool value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Bits);
        ulong a = _a, b = _b, c = _c, d = _d;
        ref ulong word = ref a;
        switch (index >> 6)
        {
            case 1:
                word = ref b;
                break;
            case 2:
                word = ref c;
                break;
            case 3:
                word = ref d;
                break;
        }

        ulong bit = 1UL << (63 - (index & 63));
        word = value ? word | bit : word & ~bit;
        return new Key256(a, b, c, d);
    }

    public int CompareTo(Key256 other)
    {
        int c = _a.CompareTo(other._a);
        if (c != 0)
        {
            return c;
        }

        c = _b.CompareTo(other._b);
        if (c != 0)
        {
            return c;
        }

        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    public bool Equals(Key256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is Key256 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    /// <summary>64 lowercase hex digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private ulong Word(int index) => index switch
    {
        0 => _a,
        1 => _b,
        2 => _c,
        _ => _d,
    };

    public static bool operator ==(Key256 left, Key256 right) => left.Equals(right);

    public static bool operator !=(Key256 left, Key256 right) => !left.Equals(right);

    public static bool operator <(Key256 left, Key256 right) => left.CompareTo(right) < 0;

    public static bool operator >(Key256 left, Key256 right) => left.CompareTo(right) > 0;

    public static bool operator <=(Key256 left, Key256 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Key256 left, Key256 right) => left.CompareTo(right) >= 0;
}
