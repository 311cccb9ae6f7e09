using DhtNet.Mainline.Krpc;
using DhtNet.Mainline.Storage;
using DhtNet.Persistence;

namespace DhtNet.Mainline.Bep44;

/// <summary>
/// A BEP 44 item a node keeps putting (<see cref="DhtNode.StartPutting(ReadOnlyMemory{byte})"/>): an immutable
/// value, or a signed mutable item put again unchanged (no key needed, so one signed with the saved identity
/// key goes on after a restart). The publication payload is the item as the state store keeps items.
/// </summary>
internal sealed record KeptItem : KeptPublication
{
    /// <summary>Publication kind of a BEP 44 item we keep putting.</summary>
    public const string PublicationKind = "item";

    /// <summary>BEP 44: nodes drop an item about two hours after its last put, so it is put again hourly.</summary>
    public static readonly TimeSpan PutInterval = TimeSpan.FromHours(1);

    private KeptItem(DhtItem item)
        : base(PublicationKind, item.Target)
    {
        Item = item;
    }

    /// <summary>The item as it is put: a mutable one with the seq and signature it was last put with.</summary>
    public DhtItem Item { get; }

    public override TimeSpan Interval => PutInterval;

    public static KeptItem Immutable(byte[] value) =>
        new(new DhtItem(ItemRules.ImmutableTarget(value), false, value, default, default, 0, default));

    public static KeptItem Mutable(MutableItem item) =>
        new(new DhtItem(item.Target, true, item.Value, item.PublicKey, item.Salt, item.Sequence, item.Signature));

    public static KeptItem? TryRead(SavedPublication publication) =>
        publication.Key.Length == NodeId.Size && MainlineState.DecodeItem(new NodeId(publication.Key), publication.Payload) is { } item
            ? new KeptItem(item) { NextDue = publication.NextDue }
            : null;

    /// <summary>
    /// Puts the item once; returns how many nodes took it. Throws <see cref="DhtPutException"/> when a node holds a
    /// newer seq of a mutable item (302), even if others took ours: they had not heard of the newer one yet, and
    /// keeping the older item alive on them would only spread a value its owner has replaced.
    /// </summary>
    public override async Task<int> PublishAsync(DhtNode node, CancellationToken cancellationToken)
    {
        if (!Item.IsMutable)
        {
            return (await node.PutAsync(Item.Value, cancellationToken).ConfigureAwait(false)).Stored;
        }

        var result = await node.PutSignedAsync(
            new MutableItem(Item.PublicKey, Item.Salt, Item.Sequence, Item.Value, Item.Signature), cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Errors.ContainsKey(KrpcErrorCode.SequenceNumberLessThanCurrent)
            ? throw new DhtPutException(KrpcErrorCode.SequenceNumberLessThanCurrent, $"A newer seq than {Item.Sequence} is stored out there.", result)
            : result.Stored;
    }

    protected override byte[] Payload() => MainlineState.EncodeItem(Item);
}
