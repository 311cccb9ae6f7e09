namespace DhtNet.Mainline.Storage;

/// <summary>
/// Told of what other nodes store on us, so that it can be kept across restarts. Called on the
/// serving path: an implementation must be O(1), allocate nothing and never block (append to a
/// journal and return).
/// </summary>
internal interface IStoreObserver
{
    /// <summary>
    /// A peer was announced (or re-announced) for <paramref name="infoHash"/> at
    /// <paramref name="announcedAt"/> (a <see cref="TimeProvider.GetTimestamp"/> value); it expires one peer lifetime later.
    /// </summary>
    void PeerAnnounced(NodeId infoHash, in StoredPeer peer, long announcedAt);

    /// <summary>An item was stored, replaced or refreshed at <paramref name="putAt"/>; it expires one item lifetime later. Called under the item store's lock.</summary>
    void ItemStored(DhtItem item, long putAt);
}
