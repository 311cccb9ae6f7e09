using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// A peer held by <see cref="PeerStore"/>: address, port and BEP 33 seed flag, in 24 bytes with no
/// references, so callers can collect peers into a stackalloc'd span and write them out in compact
/// form without allocating. IPv4 addresses are kept in their IPv4-mapped IPv6 form.
/// </summary>
internal readonly struct StoredPeer : IEquatable<StoredPeer>
{
    private const ulong MappedPrefix = 0x0000_FFFF_0000_0000UL;
    private const ulong MappedPrefixMask = 0xFFFF_FFFF_0000_0000UL;

    // The 16-byte (IPv4-mapped for IPv4) address, big-endian: bytes 0-7 and 8-15.
    internal readonly ulong High;
    internal readonly ulong Low;
    private readonly ushort _port;
    private readonly bool _isSeed;

    internal StoredPeer(ulong high, ulong low, ushort port, bool isSeed)
    {
        High = high;
        Low = low;
        _port = port;
        _isSeed = isSeed;
    }

    /// <summary>The peer's port.</summary>
    public int Port => _port;

    /// <summary>True when the peer announced with BEP 33 seed=1.</summary>
    public bool IsSeed => _isSeed;

    /// <summary>InterNetwork for IPv4 peers, InterNetworkV6 for IPv6 peers.</summary>
    public AddressFamily AddressFamily => IsIPv4(High, Low) ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>Size of the compact peer form: 6 bytes for IPv4, 18 for IPv6.</summary>
    public int CompactSize => IsIPv4(High, Low) ? 6 : 18;

    /// <summary>The peer's address (allocates).</summary>
    public IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[CompactEncoding.MaxAddressSize];
            return new IPAddress(bytes[..WriteAddress(bytes)]);
        }
    }

    /// <summary>The peer's endpoint (allocates).</summary>
    public IPEndPoint ToEndPoint() => new(Address, _port);

    /// <summary>Writes the compact address (4 or 16 bytes, no port); returns bytes written.</summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (IsIPv4(High, Low))
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Low);
            return 4;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, High);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Low);
        return 16;
    }

    /// <summary>Writes the compact peer form (BEP 5 / BEP 32: address then big-endian port); returns bytes written.</summary>
    public int WriteCompact(Span<byte> destination)
    {
        if (destination.Length < CompactSize)
        {
            throw new ArgumentException($"A compact peer needs {CompactSize} bytes.", nameof(destination));
        }

        int written = WriteAddress(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], _port);
        return written + 2;
    }

    public bool Equals(StoredPeer other) =>
        High == other.High && Low == other.Low && _port == other._port && _isSeed == other._isSeed;

    public override bool Equals(object? obj) => obj is StoredPeer other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(High, Low, _port, _isSeed);

    public override string ToString() => ToEndPoint().ToString() + (_isSeed ? " (seed)" : string.Empty);

    public static bool operator ==(StoredPeer left, StoredPeer right) => left.Equals(right);

    public static bool operator !=(StoredPeer left, StoredPeer right) => !left.Equals(right);

    /// <summary>Reads an address into the 16-byte key form without allocating; false for other families.</summary>
    internal static bool TryGetKey(IPAddress address, out ulong high, out ulong low)
    {
        Span<byte> bytes = stackalloc byte[CompactEncoding.MaxAddressSize];
        high = 0;
        low = 0;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || !address.TryWriteBytes(bytes, out int written))
        {
            return false;
        }

        if (written == 4)
        {
            low = MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes);
            return true;
        }

        high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        return true;
    }

    internal static bool IsIPv4(ulong high, ulong low) => high == 0 && (low & MappedPrefixMask) == MappedPrefix;
}
