using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using DhtNet.Kademlia;
using DhtNet.Mainline.Bep42;

namespace DhtNet.Mainline;

/// <summary>
/// Mainline's address rules for one routing table: one address family per table (IPv4-mapped
/// addresses read as IPv4), no port 0, unspecified, broadcast or multicast address, one entry per
/// endpoint; BEP 42 marks ids that match their address as preferred and, when enforced, refuses the
/// others; an optional further admission filter.
/// </summary>
internal sealed class MainlinePolicy(AddressFamily family, bool enforceNodeIdSecurity = false, Func<NodeInfo, bool>? admissionFilter = null)
    : IRoutingPolicy<NodeId, NodeInfo>
{
    /// <summary>The address family of the table this policy keeps.</summary>
    public AddressFamily Family => family;

    public IEqualityComparer<NodeInfo> AddressComparer { get; } = new EndPointComparer();

    public ContactCheck Check(ref NodeInfo contact)
    {
        ArgumentNullException.ThrowIfNull(contact.EndPoint);
        if (contact.EndPoint.Address.IsIPv4MappedToIPv6 && family == AddressFamily.InterNetwork)
        {
            contact = contact with { EndPoint = contact.EndPoint.Unmapped() };
        }

        if (contact.EndPoint.AddressFamily != family)
        {
            return ContactCheck.OtherAddressFamily;
        }

        return IsUsable(contact.EndPoint) ? ContactCheck.Usable : ContactCheck.UnusableAddress;
    }

    public ContactAdmission Admit(in NodeInfo contact)
    {
        bool secure = NodeIdSecurity.IsAcceptable(contact.Id, contact.EndPoint.Address);
        if ((enforceNodeIdSecurity && !secure) || (admissionFilter is { } filter && !filter(contact)))
        {
            return ContactAdmission.Refused;
        }

        return secure ? ContactAdmission.Preferred : ContactAdmission.Admitted;
    }

    private static bool IsUsable(IPEndPoint endPoint)
    {
        if (endPoint.Port == 0)
        {
            return false;
        }

        var address = endPoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast;
        }

        // 0.0.0.0, 255.255.255.255 and multicast (224.0.0.0/4), read as one big-endian number: every
        // contact a table takes or refreshes passes here, and two IPAddress.Equals calls cost more.
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        uint value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return value is not (0 or uint.MaxValue) && value >> 28 != 0xe;
    }

    private sealed class EndPointComparer : IEqualityComparer<NodeInfo>
    {
        public bool Equals(NodeInfo x, NodeInfo y) => x.EndPoint.Equals(y.EndPoint);

        public int GetHashCode([DisallowNull] NodeInfo obj) => obj.EndPoint.GetHashCode();
    }
}
