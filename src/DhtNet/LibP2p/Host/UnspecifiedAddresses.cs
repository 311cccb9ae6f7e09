using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace DhtNet.LibP2p.Host;

/// <summary>
/// Wildcard listen addresses turned into what a host tells peers to dial (identify's listenAddrs, the
/// IPFS DHT's peer and provider records): each unspecified IP (<c>0.0.0.0</c>, <c>::</c>) replaced by
/// this machine's interface addresses of the same family, as go-libp2p (<c>ResolveUnspecifiedAddresses</c>
/// over the interface addresses) and js-libp2p (wildcard expansion in its address manager) do. An
/// unspecified address is never advertised: a peer dialling <c>0.0.0.0</c> reaches its own loopback, not us.
/// </summary>
internal static class UnspecifiedAddresses
{
    /// <summary>
    /// At most this many addresses are advertised: receivers keep 16 per peer (the host's address book,
    /// the provider store, the saved state) and drop the rest, so more would only push out the good ones.
    /// </summary>
    public const int Max = 16;

    /// <summary>
    /// <paramref name="listening"/> (as bound, ports filled in) with each wildcard expanded into the
    /// <paramref name="interfaces"/> addresses of its family, except link-local ones (they need a scope
    /// the address does not carry, and a peer off the link cannot use them). Routable addresses come
    /// first, loopback ones last (a peer on this machine still reaches us through them), without
    /// duplicates, at most <see cref="Max"/>. A wildcard with no interface address of its family is dropped.
    /// </summary>
    public static IReadOnlyList<Multiaddr> Resolve(IReadOnlyList<Multiaddr> listening, IReadOnlyList<IPAddress> interfaces)
    {
        var routable = new List<Multiaddr>();
        var loopback = new List<Multiaddr>();
        void Add(Multiaddr address, bool isLoopback)
        {
            var list = isLoopback ? loopback : routable;
            if (!routable.Contains(address) && !loopback.Contains(address))
            {
                list.Add(address);
            }
        }

        foreach (var address in listening)
        {
            if (!address.TryGetTcpEndPoint(out var endPoint))
            {
                Add(address, isLoopback: false);
                continue;
            }

            if (!IsUnspecified(endPoint.Address))
            {
                Add(address, IPAddress.IsLoopback(endPoint.Address));
                continue;
            }

            foreach (var candidate in interfaces)
            {
                var ip = candidate.Unmapped();
                if (ip.AddressFamily == endPoint.AddressFamily && IsAdvertisable(ip))
                {
                    Add(Multiaddr.FromTcpEndPoint(new IPEndPoint(ip, endPoint.Port)), IPAddress.IsLoopback(ip));
                }
            }
        }

        return [.. routable.Concat(loopback).Take(Max)];
    }

    /// <summary>
    /// The unicast addresses of this machine's interfaces that are up. When the system will not list
    /// them (a restricted sandbox), the loopback addresses, as go-libp2p falls back to.
    /// </summary>
    public static IReadOnlyList<IPAddress> InterfaceAddresses()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }
    }

    /// <summary>True for <c>0.0.0.0</c> and <c>::</c> (and <c>::ffff:0.0.0.0</c>).</summary>
    public static bool IsUnspecified(IPAddress address)
    {
        var ip = address.Unmapped();
        return ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);
    }

    /// <summary><paramref name="addresses"/> without those whose IP is unspecified: what a peer advertised that can be dialled.</summary>
    public static IReadOnlyList<Multiaddr> WithoutUnspecified(IReadOnlyList<Multiaddr> addresses)
    {
        foreach (var address in addresses)
        {
            if (IsUnspecified(address))
            {
                return [.. addresses.Where(a => !IsUnspecified(a))];
            }
        }

        return addresses;
    }

    /// <summary>True when <paramref name="address"/> is <c>/ip4/0.0.0.0/…</c> or <c>/ip6/::/…</c>, whatever follows.</summary>
    public static bool IsUnspecified(Multiaddr address)
    {
        return address.Components is [var first, ..]
            && (first.Protocol == MultiaddrProtocol.Ip4 || first.Protocol == MultiaddrProtocol.Ip6)
            && IsUnspecified(new IPAddress(first.Value.Span));
    }

    private static bool IsAdvertisable(IPAddress ip)
    {
        if (IsUnspecified(ip) || ip.IsIPv6LinkLocal || ip.IsIPv6Multicast)
        {
            return false;
        }

        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            ip.TryWriteBytes(bytes, out _);
            // 169.254.0.0/16 is IPv4 link-local (RFC 3927), 224.0.0.0/4 multicast and above it reserved.
            return !(bytes[0] == 169 && bytes[1] == 254) && bytes[0] < 224;
        }

        return true;
    }
}
