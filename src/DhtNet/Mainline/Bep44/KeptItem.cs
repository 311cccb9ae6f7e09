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

    private readonly DhtItem _item;

    private KeptItem(DhtItem item)
        : base(PublicationKind, item.Target)
    {
        _item = item;
    }

    public override TimeSpan Interval => PutInterval;

    public static KeptItem Immutable(byte[] value) =>
        new(new DhtItem(ItemRules.ImmutableTarget(value), false, value, default, default, 0, default));

    public static KeptItem Mutable(MutableItem item) =>
        new(new DhtItem(item.Target, true, item.Value, item.PublicKey, item.Salt, item.Sequence, item.Signature));

    public static KeptItem? TryRead(SavedPublication publication) =>
        publication.Key.Length == NodeId.Size && MainlineState.DecodeItem(new NodeId(publication.Key), publication.Payload) is { } item
            ? new KeptItem(item) { NextDue = publication.NextDue }
            : null;

    public override async Task<int> PublishAsync(DhtNode node, CancellationToken cancellationToken)
    {
        var put = _item.IsMutable
            ? node.PutSignedAsync(new MutableItem(_item.PublicKey, _item.Salt, _item.Sequence, _item.Value, _item.Signature), cancellationToken: cancellationToken)
            : node.PutAsync(_item.Value, cancellationToken);
        return (await put.ConfigureAwait(false)).Stored;
    }

    protected override byte[] Payload() => MainlineState.EncodeItem(_item);
}
