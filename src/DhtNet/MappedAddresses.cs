using System.Net;

namespace DhtNet;

/// <summary>
/// A dual-stack socket shows an IPv4 peer as an IPv4-mapped IPv6 address (::ffff:a.b.c.d); the DHT
/// treats it as the IPv4 address it carries, everywhere.
/// </summary>
internal static class MappedAddresses
{
    /// <summary>The IPv4 address a mapped address carries; any other address as it is.</summary>
    public static IPAddress Unmapped(this IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The endpoint with its address unmapped (the same object when there is nothing to unmap).</summary>
    public static IPEndPoint Unmapped(this IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
