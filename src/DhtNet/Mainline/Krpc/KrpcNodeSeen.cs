using System.Net;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// A node that sent a valid query or a matched response, for the routing table to learn from:
/// responders are confirmed alive, queriers only claim to be, and <see cref="ReadOnly"/> (BEP 43)
/// ones must not be added at all.
/// </summary>
/// <param name="Id">The sender's node id.</param>
/// <param name="EndPoint">The UDP source address.</param>
/// <param name="ReadOnly">BEP 43 <c>ro</c> was set on the query.</param>
/// <param name="IsResponse">True for a response to one of our queries, false for a query.</param>
/// <param name="Message">The decoded query or response; null for a query answered in place (no message object is made).</param>
internal readonly record struct KrpcNodeSeen(NodeId Id, IPEndPoint EndPoint, bool ReadOnly, bool IsResponse, KrpcMessage? Message);
