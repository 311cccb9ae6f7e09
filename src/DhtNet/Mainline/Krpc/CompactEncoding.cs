using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// BEP 5 / BEP 32 compact encodings: peer info is the IP then the big-endian port (6 bytes for
/// IPv4, 18 for IPv6); node info is the 20-byte id then the peer info (26 / 38 bytes).
/// Readers take every whole entry and ignore a trailing partial one, as peers send those.
/// </summary>
internal static class CompactEncoding
{
    public const int PeerSizeV4 = 6;
    public const int PeerSizeV6 = 18;
    public const int NodeSizeV4 = NodeId.Size + PeerSizeV4;
    public const int NodeSizeV6 = NodeId.Size + PeerSizeV6;

    /// <summary>Compact peer size for an address family.</summary>
    public static int PeerSize(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? PeerSizeV6 : PeerSizeV4;

    /// <summary>Compact node size for an address family.</summary>
    public static int NodeSize(AddressFamily family) => NodeId.Size + PeerSize(family);

    /// <summary>The most bytes <see cref="WriteAddress"/> writes (an IPv6 address).</summary>
    public const int MaxAddressSize = 16;

    /// <summary>
    /// Writes the compact form of an address: 4 bytes for IPv4, 16 for IPv6; an IPv4-mapped IPv6
    /// address (how a dual-stack socket sees an IPv4 peer) is written as the plain IPv4 address.
    /// </summary>
    public static int WriteAddress(IPAddress address, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses are supported.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[MaxAddressSize];
        address.TryWriteBytes(bytes, out int written);
        var compact = written == MaxAddressSize && address.IsIPv4MappedToIPv6 ? bytes[12..] : bytes[..written];
        if (!compact.TryCopyTo(destination))
        {
            throw new ArgumentException($"The destination needs {compact.Length} bytes for the address.", nameof(destination));
        }

        return compact.Length;
    }

    /// <summary>Writes the compact peer form of <paramref name="endPoint"/>; returns bytes written.</summary>
    public static int WritePeer(IPEndPoint endPoint, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (destination.Length < PeerSize(Family(endPoint)))
        {
            throw new ArgumentException($"The destination needs {PeerSize(Family(endPoint))} bytes for a compact peer.", nameof(destination));
        }

        int written = WriteAddress(endPoint.Address, destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[written..], (ushort)endPoint.Port);
        return written + 2;
    }

    /// <summary>Reads one compact peer of 6 or 18 bytes.</summary>
    public static IPEndPoint ReadPeer(ReadOnlySpan<byte> compact)
    {
        if (compact.Length is not (PeerSizeV4 or PeerSizeV6))
        {
            throw new ArgumentException($"A compact peer is {PeerSizeV4} or {PeerSizeV6} bytes, got {compact.Length}.", nameof(compact));
        }

        int addressLength = compact.Length - 2;
        var address = new IPAddress(compact[..addressLength]);
        return new IPEndPoint(address, BinaryPrimitives.ReadUInt16BigEndian(compact[addressLength..]));
    }

    /// <summary>Writes one compact node; returns bytes written.</summary>
    public static int WriteNode(in NodeInfo node, Span<byte> destination)
    {
        node.Id.WriteTo(destination);
        return NodeId.Size + WritePeer(node.EndPoint, destination[NodeId.Size..]);
    }

    /// <summary>Reads every whole compact node of the given family; a trailing partial entry is ignored.</summary>
    public static NodeInfo[] ReadNodes(ReadOnlySpan<byte> compact, AddressFamily family)
    {
        int size = NodeSize(family);
        int count = compact.Length / size;
        if (count == 0)
        {
            return [];
        }

        var nodes = new NodeInfo[count];
        for (int i = 0; i < count; i++)
        {
            var entry = compact.Slice(i * size, size);
            nodes[i] = new NodeInfo(new NodeId(entry[..NodeId.Size]), ReadPeer(entry[NodeId.Size..]));
        }

        return nodes;
    }

    /// <summary>The compact form of the nodes of one family among <paramref name="nodes"/>, concatenated.</summary>
    public static byte[] EncodeNodes(IReadOnlyList<NodeInfo> nodes, AddressFamily family)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        int size = NodeSize(family);
        int count = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            count += Family(nodes[i].EndPoint) == family ? 1 : 0;
        }

        var bytes = new byte[count * size];
        int offset = 0;
        for (int i = 0; i < nodes.Count; i++)
        {
            if (Family(nodes[i].EndPoint) == family)
            {
                offset += WriteNode(nodes[i], bytes.AsSpan(offset));
            }
        }

        return bytes;
    }

    /// <summary>The address family of an endpoint, counting IPv4-mapped IPv6 addresses as IPv4.</summary>
    public static AddressFamily Family(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? AddressFamily.InterNetwork : endPoint.Address.AddressFamily;
}
