namespace DhtNet.Persistence;

/// <summary>
/// What a node keeps across restarts, per network ("mainline", "ipfs") so one store serves both.
/// Recording is cheap and never waits for the disk: changes wait in memory and are written in one
/// transaction every <see cref="DhtStateStoreOptions.FlushInterval"/> or on <see cref="FlushAsync"/>.
/// After a crash a store holds every change older than the flush interval, and never half a batch.
/// </summary>
public interface IDhtStateStore : IAsyncDisposable
{
    /// <summary>Changes that could not wait because too many distinct entries were already waiting (see <see cref="DhtStateStoreOptions.MaxPendingChanges"/>).</summary>
    long DroppedChanges { get; }

    /// <summary>
    /// A journal for changes recorded on a hot path (an announce or a put being served): appending
    /// is lock-free and allocation-free, and this store drains it on its flushing thread just
    /// before each write, calling <paramref name="record"/> there for every change. It holds at
    /// most <see cref="DhtStateStoreOptions.MaxPendingChanges"/> changes; its drops count in
    /// <see cref="DroppedChanges"/>.
    /// </summary>
    StateJournal<T> CreateJournal<T>(Action<T> record)
        where T : struct;

    /// <summary>Records the node id kept in <paramref name="slot"/> (for example "ipv4" or "ipv6").</summary>
    void RecordNodeId(string network, string slot, byte[] id);

    void RecordContact(string network, SavedContact contact);

    void RemoveContact(string network, byte[] id);

    /// <summary>Records a peer announced to us; its infohash and address are at most 255 bytes each.</summary>
    void RecordPeer(string network, SavedPeer peer);

    void RemovePeer(string network, byte[] infoHash, byte[] address);

    /// <summary>Records a BEP 44 item stored on us; its target is at most 255 bytes, the item at most 65,535.</summary>
    void RecordItem(string network, SavedItem item);

    void RemoveItem(string network, byte[] target);

    void RecordProvider(string network, SavedProviderRecord provider);

    void RemoveProvider(string network, byte[] key, byte[] providerId);

    void RecordValue(string network, SavedRecord record);

    void RemoveValue(string network, byte[] key);

    void RecordPublication(string network, SavedPublication publication);

    void RemovePublication(string network, string kind, byte[] key);

    /// <summary>
    /// Writes a secret identity key (opaque bytes, for example an Ed25519 seed) at once, not with
    /// the next batch: an identity that is lost can never be recreated. <paramref name="network"/>
    /// and <paramref name="name"/> are lower-case letters, digits, '-' and '_'.
    /// </summary>
    Task SaveIdentityKeyAsync(string network, string name, ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default);

    /// <summary>The identity key saved under <paramref name="network"/> and <paramref name="name"/>, or null when there is none.</summary>
    Task<byte[]?> LoadIdentityKeyAsync(string network, string name, CancellationToken cancellationToken = default);

    /// <summary>Writes every change recorded so far, in one transaction.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes what is waiting, then reads <paramref name="network"/>'s state: entries whose expiry
    /// has passed (by the store's <see cref="TimeProvider"/>) are left out, and
    /// <paramref name="limits"/> bound how many of each are returned.
    /// </summary>
    Task<DhtState> LoadAsync(string network, DhtStateLimits limits, CancellationToken cancellationToken = default);
}
