using System.Net;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// Told of what other nodes store on us, so that it can be kept across restarts. Called on the
/// serving path: an implementation must be O(1) and never block (record and return).
/// </summary>
internal interface IStoreObserver
{
    /// <summary>A peer was announced (or re-announced) for <paramref name="infoHash"/>; it expires one peer lifetime from now.</summary>
    void PeerAnnounced(NodeId infoHash, IPEndPoint peer, bool seed);

    /// <summary>An item was stored, replaced or refreshed; it expires one item lifetime from now. Called under the item store's lock.</summary>
    void ItemStored(DhtItem item);
}
