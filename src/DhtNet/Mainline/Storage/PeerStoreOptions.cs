namespace DhtNet.Mainline.Storage;

/// <summary>Limits and lifetimes of a <see cref="PeerStore"/>.</summary>
internal sealed class PeerStoreOptions
{
    /// <summary>
    /// How long an announce is kept without being renewed. 30 minutes by default: BEP 5 clients
    /// re-announce about every 15 to 30 minutes (libtorrent keeps peers 45 minutes).
    /// </summary>
    public TimeSpan PeerLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Most peers kept per infohash; a new peer beyond it replaces the infohash's oldest one.
    /// 2,000 by default: a get_peers reply carries at most about 100 IPv4 peers (one UDP packet),
    /// so 2,000 still gives twenty different answers to twenty requesters; it is the order used by
    /// other stores (the `dht` C library keeps 2,048) and stays well under the 6,000 at which
    /// BEP 33 says the scrape bloom filters stop being useful. A full swarm costs about 64 KiB.
    /// </summary>
    public int MaxPeersPerInfohash { get; init; } = 2_000;

    /// <summary>
    /// Most infohashes kept; when a new one arrives at the limit the least recently announced one
    /// is dropped. 100,000 by default (about 24 MiB when each has a single peer).
    /// </summary>
    public int MaxInfohashes { get; init; } = 100_000;

    /// <summary>
    /// Bound on the store's estimated managed memory, in bytes; least recently announced infohashes
    /// are dropped to stay under it. 64 MiB by default. Must hold at least one full infohash.
    /// </summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PeerLifetime, TimeSpan.Zero, nameof(PeerLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeersPerInfohash, 1, nameof(MaxPeersPerInfohash));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInfohashes, 1, nameof(MaxInfohashes));
        // Peer blocks are addressed by a 32-bit entry offset.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBytes, (long)int.MaxValue * PeerBlocks.EntryBytes, nameof(MaxBytes));
        long oneFullSwarm = PeerStore.EstimateSwarmBytes(MaxPeersPerInfohash);
        if (MaxBytes < oneFullSwarm)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxBytes), MaxBytes, $"MaxBytes must hold at least one full infohash ({oneFullSwarm} bytes).");
        }
    }
}
