using System.Net;
using System.Runtime.CompilerServices;
using DhtNet.Kademlia;

namespace DhtNet;

/// <summary>A DHT node as the wire names it: its id and its UDP endpoint.</summary>
public readonly record struct NodeInfo(NodeId Id, IPEndPoint EndPoint) : IKademliaContact<NodeId>
{
    // Written out because the routing table compares a contact on every message it sees: the same
    // endpoint instance (the usual case: one per sender from the receive path's cache) is equal
    // without the virtual IPEndPoint/IPAddress comparisons, and the whole check inlines.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(NodeInfo other) =>
        Id.Equals(other.Id) && (ReferenceEquals(EndPoint, other.EndPoint) || (EndPoint is not null && EndPoint.Equals(other.EndPoint)));

    public override int GetHashCode() => HashCode.Combine(Id, EndPoint);

    public override string ToString() => $"{Id} {EndPoint}";
}
