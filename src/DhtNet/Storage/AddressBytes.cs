using System.Net;
using System.Net.Sockets;

namespace DhtNet.Storage;

/// <summary>Writes an address in its compact wire form without allocating.</summary>
internal static class AddressBytes
{
    /// <summary>The most bytes <see cref="Write"/> writes (an IPv6 address).</summary>
    public const int MaxSize = 16;

    /// <summary>
    /// Writes 4 bytes for IPv4 and 16 for IPv6; an IPv4-mapped IPv6 address (how a dual-stack
    /// socket sees an IPv4 peer) is written as the plain IPv4 address, as the compact encodings do.
    /// </summary>
    public static int Write(IPAddress address, Span<byte> destination)
    {
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || !address.TryWriteBytes(destination, out int written))
        {
            throw new ArgumentException("Only IPv4 and IPv6 addresses are supported.", nameof(address));
        }

        if (written == 16 && address.IsIPv4MappedToIPv6)
        {
            destination.Slice(12, 4).CopyTo(destination);
            return 4;
        }

        return written;
    }
}
