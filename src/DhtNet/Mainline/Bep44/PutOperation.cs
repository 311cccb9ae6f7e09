using DhtNet.Kademlia;
using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Operations;
using DhtNet.Mainline.Storage;
using DhtNet.Security;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// BEP 44 put: a get lookup that collects write tokens (and, for a mutable item, the current seq),
/// then the item stored on the K nearest token holders, as <see cref="StorageRound"/> does for every write.
/// </summary>
internal static class PutOperation
{
    public static async Task<PutResult> PutImmutableAsync(NodeContext node, byte[] value, CancellationToken cancellationToken)
    {
        var target = ItemRules.ImmutableTarget(value);
        bool local = node.Items.PutImmutable(value).IsSuccess;
        var search = new ItemSearch(target, default);
        var lookup = await LookUpAsync(node, search, cancellationToken).ConfigureAwait(false);
        var result = await StoreAsync(node, search, lookup, token => new PutQuery(node.Id, token, value), cancellationToken).ConfigureAwait(false);
        return result with { StoredLocally = local };
    }

    /// <summary>Signs and puts a mutable item; with <paramref name="sequence"/> null, at the network's seq plus one.</summary>
    public static Task<PutResult> PutMutableAsync(
        NodeContext node, Ed25519KeyPair keyPair, byte[] value, ReadOnlyMemory<byte> salt, long? sequence, long? cas, CancellationToken cancellationToken) =>
        PutMutableAsync(node, keyPair, value, salt, sequence, cas, kept: false, lastPut: null, cancellationToken);

    /// <summary>
    /// As the other overload; for an item we keep putting (<paramref name="kept"/>; <paramref name="lastPut"/> is what
    /// we put last, saved across restarts, if anything) with no <paramref name="sequence"/>, the best seq known stays
    /// when its value is <paramref name="value"/>, so an unchanged value is a refresh, not a new seq.
    /// </summary>
    public static async Task<PutResult> PutMutableAsync(
        NodeContext node, Ed25519KeyPair keyPair, byte[] value, ReadOnlyMemory<byte> salt, long? sequence, long? cas, bool kept, DhtItem? lastPut, CancellationToken cancellationToken)
    {
        var target = ItemRules.MutableTarget(keyPair.PublicKey.Span, salt.Span);
        var search = new ItemSearch(target, salt.ToArray());
        search.OfferStored(node.Items.Get(target).Item);
        search.OfferStored(lastPut);
        var lookup = await LookUpAsync(node, search, cancellationToken).ConfigureAwait(false);
        long seq = sequence ?? search.Sequence switch
        {
            null => 0,
            { } current when kept && search.HoldsValue(value) => current,
            < long.MaxValue and { } current => current + 1,
            _ => throw new InvalidOperationException("The item's sequence number is at its maximum."),
        };
        var item = MutableItem.Create(keyPair, value, seq, search.Salt);
        return await StoreMutableAsync(node, item, cas, search, lookup, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts an item signed elsewhere, unchanged.</summary>
    public static async Task<PutResult> PutSignedAsync(NodeContext node, MutableItem item, long? cas, CancellationToken cancellationToken)
    {
        var search = new ItemSearch(item.Target, item.Salt);
        var lookup = await LookUpAsync(node, search, cancellationToken).ConfigureAwait(false);
        return await StoreMutableAsync(node, item, cas, search, lookup, cancellationToken).ConfigureAwait(false);
    }

    private static Task<LookupResult<NodeInfo>> LookUpAsync(NodeContext node, ItemSearch search, CancellationToken cancellationToken) =>
        StorageRound.LookUpAsync(node, "put", search.Target, search.Request(node), cancellationToken);

    private static async Task<PutResult> StoreMutableAsync(NodeContext node, MutableItem item, long? cas, ItemSearch search, LookupResult<NodeInfo> lookup, CancellationToken cancellationToken)
    {
        var local = node.Items.PutMutable(item.PublicKey.Span, item.Salt.Span, item.Sequence, item.Signature.Span, item.Value.Span, cas);
        var result = await StoreAsync(
            node,
            search,
            lookup,
            token => new PutQuery(node.Id, token, item.Value)
            {
                PublicKey = item.PublicKey,
                Signature = item.Signature,
                Salt = item.Salt,
                Sequence = item.Sequence,
                Cas = cas,
            },
            cancellationToken).ConfigureAwait(false);
        result = result with { Sequence = item.Sequence, StoredLocally = local.IsSuccess, Item = item };

        // Refused as outdated everywhere it was judged: by the nodes that answered, or by our own
        // store when there was no node to ask.
        int outdated = result.Errors.GetValueOrDefault(KrpcErrorCode.SequenceNumberLessThanCurrent) + result.Errors.GetValueOrDefault(KrpcErrorCode.CasMismatch);
        if (result.Stored == 0 && outdated > 0 && outdated == result.Errors.Values.Sum())
        {
            var first = result.FirstError!;
            throw new DhtPutException(first.Code, $"No node stored the item: {first.Code} {first.Message}.", result);
        }

        if (result.Asked == 0 && local.ErrorCode is KrpcErrorCode.SequenceNumberLessThanCurrent or KrpcErrorCode.CasMismatch)
        {
            throw new DhtPutException(local.ErrorCode, $"Our own store refused the item: {local.ErrorCode} {local.ErrorMessage}.", result);
        }

        return result;
    }

    /// <summary>Sends the put to the chosen token holders at once and tallies the answers.</summary>
    private static async Task<PutResult> StoreAsync(
        NodeContext node, ItemSearch search, LookupResult<NodeInfo> lookup, Func<ReadOnlyMemory<byte>, PutQuery> createQuery, CancellationToken cancellationToken)
    {
        var answers = await StorageRound.StoreAsync(node, search.Target, StorageRound.Nearest(node, search.Target, search.Tokens), holder => createQuery(holder.Token), cancellationToken).ConfigureAwait(false);
        int stored = 0, timedOut = 0;
        var errors = new Dictionary<int, int>();
        KrpcError? firstError = null;
        foreach (var answer in answers)
        {
            // bittorrent-dht refuses with 302 an item it holds with the same seq, where BEP 44 asks
            // for a refresh: when its get reply showed it holds exactly this item, it stores it.
            if (answer.Result.Response is PutResponse
                || (answer.Result.Error is { Code: KrpcErrorCode.SequenceNumberLessThanCurrent } && search.Holds(answer.Holder.Node.Id, (PutQuery)answer.Query)))
            {
                stored++;
            }
            else if (answer.Result.Error is { } error)
            {
                errors[error.Code] = errors.GetValueOrDefault(error.Code) + 1;
                firstError ??= error;
            }
            else if (answer.Result.Status == KrpcResultStatus.Timeout)
            {
                timedOut++; // already counted against the node by the request layer
            }
        }

        return new PutResult(search.Target, stored, null, lookup.Statistics)
        {
            Asked = answers.Length,
            TimedOut = timedOut,
            Errors = errors,
            FirstError = firstError,
        };
    }
}
