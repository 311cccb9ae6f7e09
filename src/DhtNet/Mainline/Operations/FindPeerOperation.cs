using System.Net;
using DhtNet.Kademlia;

namespace DhtNet.Mainline.Operations;

/// <summary>
/// find_node toward a node id until some node names it (IPFS dht.findPeer); our own tables answer
/// first when they know it.
/// </summary>
internal static class FindPeerOperation
{
    public static async Task<IPEndPoint?> RunAsync(NodeContext node, NodeId nodeId, CancellationToken cancellationToken)
    {
        foreach (var table in node.Tables.All)
        {
            if (table.FindClosest(nodeId, 1) is [var known] && known.Id == nodeId)
            {
                return known.EndPoint;
            }
        }

        IPEndPoint? found = null;
        var lookups = new List<IterativeLookup<NodeId, NodeInfo>>();
        var inner = node.Requests.FindNode(nodeId);
        LookupRequest<NodeInfo> request = async (asked, ct) =>
        {
            var reply = await inner(asked, ct).ConfigureAwait(false);
            var match = asked.Id == nodeId && reply.Answered ? asked : reply.Nodes.FirstOrDefault(n => n.Id == nodeId);
            if (match.EndPoint is not null && Interlocked.CompareExchange(ref found, match.EndPoint, null) is null)
            {
                Lookups.StopAll(lookups, afterReply: true);
            }

            return reply;
        };

        await node.Lookups.RunAsync("findpeer", nodeId, request, [], lookups, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found;
    }
}
