using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DhtNet.Security;

namespace DhtNet.Mainline.Bep42;

/// <summary>
/// BEP 42 node-id restriction: generates an id tied to our external address and checks whether a
/// remote node's id matches its address. Local-network addresses are exempt (see <see cref="IsExempt"/>).
/// </summary>
internal static class NodeIdSecurity
{
    // Masks keep only the bits of each address class level that BEP 42 hashes.
    private const uint V4Mask = 0x030f3fff;
    private const ulong V6Mask = 0x0103070f1f3f7fff;

    // The top 21 bits of the CRC are the id's prefix.
    private const uint PrefixMask = 0xfffff800;

    /// <summary>A BEP 42 id for <paramref name="externalAddress"/> from the system's cryptographic generator.</summary>
    public static NodeId GenerateId(IPAddress externalAddress)
    {
        Span<byte> random = stackalloc byte[18];
        RandomNumberGenerator.Fill(random);
        return Generate(externalAddress, random[17], random[..17]);
    }

    /// <summary>A BEP 42 id for <paramref name="externalAddress"/> from <paramref name="random"/> (seeded tests, simulations).</summary>
    public static NodeId GenerateId(IPAddress externalAddress, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[18];
        random.NextBytes(bytes);
        return Generate(externalAddress, bytes[17], bytes[..17]);
    }

    /// <summary>
    /// True when the first 21 bits of <paramref name="id"/> are those BEP 42 derives from
    /// <paramref name="address"/> and the id's last byte. This is the formula alone: exempt addresses
    /// are checked like any other; use <see cref="IsAcceptable(NodeId, IPAddress)"/> for the policy.
    /// </summary>
    public static bool IsValid(NodeId id, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        id.WriteTo(bytes);
        uint crc = ComputeCrc(address, bytes[NodeId.Size - 1] & 7);
        return (BinaryPrimitives.ReadUInt32BigEndian(bytes) & PrefixMask) == (crc & PrefixMask);
    }

    /// <summary>
    /// The enforcement rule: the address is exempt, or the id is valid for it. Lookups that store data
    /// (announce_peer, put) should send only to nodes that pass this (BEP 42, "Enforcement").
    /// </summary>
    public static bool IsAcceptable(NodeId id, IPAddress address) => IsExempt(address) || IsValid(id, address);

    /// <inheritdoc cref="IsAcceptable(NodeId, IPAddress)"/>
    public static bool IsAcceptable(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node.EndPoint);
        return IsAcceptable(node.Id, node.EndPoint.Address);
    }

    /// <summary>
    /// True for addresses BEP 42 never verifies: 10/8, 172.16/12, 192.168/16, 169.254/16, 127/8; and,
    /// by the same reasoning for IPv6 (the BEP lists none), ::1, link-local fe80::/10 and unique-local
    /// fc00::/7. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
    /// </summary>
    public static bool IsExempt(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = address.Unmapped();

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return bytes[0] == 10
                || bytes[0] == 127
                || (bytes[0] == 172 && (bytes[1] & 0xf0) == 16)
                || (bytes[0] == 192 && bytes[1] == 168)
                || (bytes[0] == 169 && bytes[1] == 254);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.TryWriteBytes(bytes, out _);
            return IPAddress.IPv6Loopback.Equals(address)
                || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80)
                || (bytes[0] & 0xfe) == 0xfc;
        }

        return false;
    }

    /// <summary>
    /// The CRC-32C BEP 42 takes an id's prefix from: the masked address (IPv4, or the high 64 bits of
    /// IPv6) with <paramref name="r"/> (0..7) in its top three bits, hashed big-endian.
    /// </summary>
    public static uint ComputeCrc(IPAddress address, int r)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(r);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(r, 7);
        address = address.Unmapped();

        Span<byte> bytes = stackalloc byte[16];
        switch (address.AddressFamily)
        {
            case AddressFamily.InterNetwork:
                address.TryWriteBytes(bytes, out _);
                uint v4 = (BinaryPrimitives.ReadUInt32BigEndian(bytes) & V4Mask) | ((uint)r << 29);
                BinaryPrimitives.WriteUInt32BigEndian(bytes, v4);
                return Crc32C.Compute(bytes[..4]);
            case AddressFamily.InterNetworkV6:
                address.TryWriteBytes(bytes, out _);
                ulong v6 = (BinaryPrimitives.ReadUInt64BigEndian(bytes) & V6Mask) | ((ulong)r << 61);
                BinaryPrimitives.WriteUInt64BigEndian(bytes, v6);
                return Crc32C.Compute(bytes[..8]);
            default:
                throw new ArgumentException("BEP 42 covers IPv4 and IPv6 addresses only.", nameof(address));
        }
    }

    /// <summary>
    /// Builds the id from the one random byte BEP 42 publishes (its low 3 bits are r; it is the id's last
    /// byte) and 17 further random bytes (the low 3 bits of byte 2, then bytes 3..18). Internal so tests
    /// can reproduce the BEP's vectors.
    /// </summary>
    internal static NodeId Generate(IPAddress externalAddress, byte randomByte, ReadOnlySpan<byte> filler)
    {
        ArgumentNullException.ThrowIfNull(externalAddress);
        ArgumentOutOfRangeException.ThrowIfLessThan(filler.Length, 17, nameof(filler));
        uint crc = ComputeCrc(externalAddress, randomByte & 7);
        Span<byte> id = stackalloc byte[NodeId.Size];
        id[0] = (byte)(crc >> 24);
        id[1] = (byte)(crc >> 16);
        id[2] = (byte)(((crc >> 8) & 0xf8) | (uint)(filler[0] & 7));
        filler[1..17].CopyTo(id[3..19]);
        id[19] = randomByte;
        return new NodeId(id);
    }
}
