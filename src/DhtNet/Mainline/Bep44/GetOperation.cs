using DhtNet.Kademlia;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// BEP 44 get: our own store first, then a get lookup toward the target that stops at the first
/// immutable value that verifies, or keeps the mutable item with the highest seq that verifies.
/// </summary>
internal static class GetOperation
{
    public static async Task<DhtItemResult?> RunAsync(NodeContext node, NodeId target, ReadOnlyMemory<byte> salt, CancellationToken cancellationToken)
    {
        var search = new ItemSearch(target, salt.ToArray());
        search.OfferStored(node.Items.Get(target).Item);
        if (search.FoundImmutable)
        {
            return search.ToResult(default);
        }

        var lookups = new List<IterativeLookup<NodeId, NodeInfo>>();
        var ask = search.Request(node);
        int stopped = 0;
        LookupRequest<NodeInfo> request = async (asked, ct) =>
        {
            var reply = await ask(asked, ct).ConfigureAwait(false);
            if (search.FoundImmutable && Interlocked.Exchange(ref stopped, 1) == 0)
            {
                Lookups.StopAll(lookups, afterReply: true);
            }

            return reply;
        };

        var lookup = await node.Lookups.RunAsync("get", target, request, [], lookups, cancellationToken: cancellationToken).ConfigureAwait(false);
        return search.ToResult(lookup.Statistics);
    }
}
