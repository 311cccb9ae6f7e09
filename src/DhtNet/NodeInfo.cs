using System.Net;
using DhtNet.Kademlia;

namespace DhtNet;

/// <summary>A DHT node as the wire names it: its id and its UDP endpoint.</summary>
public readonly record struct NodeInfo(NodeId Id, IPEndPoint EndPoint) : IKademliaContact<NodeId>
{
    public override string ToString() => $"{Id} {EndPoint}";
}
