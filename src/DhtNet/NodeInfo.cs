using System.Net;

namespace DhtNet;

/// <summary>A DHT node as the wire names it: its id and its UDP endpoint.</summary>
public readonly record struct NodeInfo(NodeId Id, IPEndPoint EndPoint)
{
    public override string ToString() => $"{Id} {EndPoint}";
}
