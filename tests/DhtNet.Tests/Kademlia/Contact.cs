using System.Net;
using DhtNet.Kademlia;

namespace DhtNet.Tests.Kademlia;

/// <summary>
/// The Mainline contact for the generic core's tests: an id and a UDP endpoint. When the Mainline side
/// moves onto the core, <see cref="NodeInfo"/> takes this role by implementing <see cref="IKademliaContact{TKey}"/>.
/// </summary>
internal readonly record struct Contact(NodeId Id, IPEndPoint EndPoint) : IKademliaContact<NodeId>
{
    public override string ToString() => $"{Id} {EndPoint}";
}
