namespace DhtNet.Mainline.Operations;

/// <summary>find_node toward a key: the K closest nodes that answered (IPFS dht.query).</summary>
internal static class QueryOperation
{
    public static async Task<QueryResult> RunAsync(NodeContext node, NodeId key, CancellationToken cancellationToken)
    {
        var result = await node.Lookups.RunAsync("query", key, node.Requests.FindNode(key), [], cancellationToken: cancellationToken).ConfigureAwait(false);
        return new QueryResult(result.ClosestNodes, result.Statistics);
    }
}
