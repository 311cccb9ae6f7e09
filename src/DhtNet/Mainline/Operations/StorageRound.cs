using System.Collections.Concurrent;
using DhtNet.Kademlia;
using DhtNet.Mainline.Bep42;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline.Operations;

/// <summary>One store request and what came of it.</summary>
internal readonly record struct StoreAnswer(NodeToken Holder, KrpcQuery Query, KrpcResult Result);

/// <summary>
/// The sequence that every write to the DHT follows (announce_peer, BEP 44 put, and the scrape
/// that prepares an announce): a lookup that collects write tokens and prefers nodes whose ids match
/// their addresses, the token holders nearest the target, the K of them to store on, and one
/// store request to each at once.
/// </summary>
internal static class StorageRound
{
    /// <summary>Looks up <paramref name="target"/> as a write does; <paramref name="request"/> keeps the tokens.</summary>
    public static Task<LookupResult<NodeInfo>> LookUpAsync(NodeContext node, string operation, NodeId target, LookupRequest<NodeInfo> request, CancellationToken cancellationToken) =>
        node.Lookups.RunAsync(operation, target, request, [], prefer: NodeIdSecurity.IsAcceptable, cancellationToken: cancellationToken);

    /// <summary>The token holders nearest the target (every node that answered the lookup holds one).</summary>
    public static NodeToken[] Nearest(NodeContext node, NodeId target, ConcurrentDictionary<NodeId, NodeToken> tokens) =>
        [.. tokens.Values.OrderBy(t => t.Node.Id.Xor(target)).Take(node.StorageCandidates)];

    /// <summary>Chooses where to store among <paramref name="holders"/> and sends each the query <paramref name="createQuery"/> makes.</summary>
    public static async Task<StoreAnswer[]> StoreAsync(
        NodeContext node, NodeId target, IReadOnlyList<NodeToken> holders, Func<NodeToken, KrpcQuery> createQuery, CancellationToken cancellationToken)
    {
        var chosen = Choose(target, holders, node.Options.K);
        var queries = new KrpcQuery[chosen.Count];
        var asks = new Task<KrpcResult>[chosen.Count];
        for (int i = 0; i < chosen.Count; i++)
        {
            queries[i] = createQuery(chosen[i]);
            asks[i] = node.Requests.AskKnownAsync(queries[i], chosen[i].Node, cancellationToken);
        }

        var results = await Task.WhenAll(asks).ConfigureAwait(false);
        var answers = new StoreAnswer[chosen.Count];
        for (int i = 0; i < chosen.Count; i++)
        {
            answers[i] = new StoreAnswer(chosen[i], queries[i], results[i]);
        }

        return answers;
    }

    // BEP 42: storage goes to nodes whose ids match their addresses when there are enough of them.
    private static List<NodeToken> Choose(NodeId target, IReadOnlyList<NodeToken> holders, int k)
    {
        var byDistance = holders.OrderBy(h => h.Node.Id.Xor(target)).ToList();
        var secure = byDistance.Where(h => NodeIdSecurity.IsAcceptable(h.Node)).Take(k).ToList();
        return secure.Count == k || secure.Count == byDistance.Count
            ? secure
            : [.. secure.Concat(byDistance.Where(h => !NodeIdSecurity.IsAcceptable(h.Node))).Take(k).OrderBy(h => h.Node.Id.Xor(target))];
    }
}
