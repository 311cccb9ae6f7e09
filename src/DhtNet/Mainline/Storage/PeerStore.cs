using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using DhtNet.Internal;
using DhtNet.Mainline.Bep33;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// The announce_peer database (BEP 5, BEP 33 seeds, BEP 51 samples): per infohash a set of peers
/// unique by IP address. Every bound holds at all times: peers per infohash (the oldest peer makes
/// room), infohashes and estimated memory (the least recently announced infohash makes room).
/// Peers expire <see cref="PeerStoreOptions.PeerLifetime"/> after their last announce; expired
/// entries are dropped lazily on access and by <see cref="Purge"/>, which the node calls from a
/// timer — the store runs no timers or threads of its own. Thread-safe.
/// </summary>
internal sealed class PeerStore
{
    // Estimated bytes of one infohash besides its peer slots, rounded up: the Swarm object (80),
    // its Dictionary entry and bucket at up to twice the count after a resize (2 x 44), its slot in
    // the sampling list at up to twice the count (2 x 8) and the peer array's header (24) = 208.
    private const int SwarmOverheadBytes = 224;

    private static readonly int EntryBytes = Unsafe.SizeOf<PeerEntry>();

    private readonly PeerStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly long _lifetimeTimestampTicks;
    private readonly object _lock = new();
    private readonly Dictionary<NodeId, Swarm> _swarms = [];
    private readonly List<Swarm> _sampling = [];
    private readonly RecencyList<Swarm> _byAnnounce = new();
    private int _peerCount;
    private long _bytes;

    public PeerStore(TimeProvider timeProvider)
        : this(new PeerStoreOptions(), timeProvider)
    {
    }

    /// <param name="options">Limits and lifetime.</param>
    /// <param name="timeProvider">Clock for announce times and expiry.</param>
    /// <param name="random">Picks the peers returned when there are more than asked for; a seeded one makes tests repeatable.</param>
    public PeerStore(PeerStoreOptions options, TimeProvider timeProvider, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
        _random = random ?? new Random();
        _lifetimeTimestampTicks = (long)Math.Ceiling(options.PeerLifetime.TotalSeconds * timeProvider.TimestampFrequency);
    }

    /// <summary>The options the store was built with.</summary>
    public PeerStoreOptions Options => _options;

    /// <summary>
    /// Number of stored peers over all infohashes. Expired peers of an infohash that still has live
    /// ones are counted until that infohash is touched or <see cref="Purge"/> runs.
    /// </summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                DropExpiredSwarms(Cutoff());
                return _peerCount;
            }
        }
    }

    /// <summary>Number of infohashes with at least one stored peer (the BEP 51 <c>num</c>).</summary>
    public int InfohashCount
    {
        get
        {
            lock (_lock)
            {
                DropExpiredSwarms(Cutoff());
                return _swarms.Count;
            }
        }
    }

    /// <summary>Conservative estimate of the managed memory the store holds, in bytes; never above <see cref="PeerStoreOptions.MaxBytes"/>.</summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="peer"/> has <paramref name="infoHash"/>. A re-announce from the
    /// same IP replaces the port and seed flag and renews the entry. Returns false (and stores
    /// nothing) for port 0 or an address that is neither IPv4 nor IPv6. The caller has checked the token.
    /// </summary>
    public bool Announce(NodeId infoHash, IPEndPoint peer, bool seed)
    {
        if (!AnnounceAt(infoHash, peer, seed, announcedAt: null, out var stored, out long at))
        {
            return false;
        }

        // Outside the lock: the observer (the state store's journal) needs none of ours.
        Observer?.PeerAnnounced(infoHash, stored, at);
        return true;
    }

    /// <summary>Is told of every stored or renewed announce (not of restores, expiry or eviction); null for none.</summary>
    public IStoreObserver? Observer { get; set; }

    /// <summary>
    /// Puts back a peer restored from saved state as if announced at <paramref name="announcedAt"/>
    /// (a <see cref="TimeProvider.GetTimestamp"/> value). Restore in order of announce time, before
    /// serving starts, so that the least-recently-announced order holds; every bound applies.
    /// </summary>
    public bool Restore(NodeId infoHash, IPEndPoint peer, bool seed, long announcedAt) =>
        AnnounceAt(infoHash, peer, seed, announcedAt, out _, out _);

    private bool AnnounceAt(NodeId infoHash, IPEndPoint peer, bool seed, long? announcedAt, out StoredPeer stored, out long at)
    {
        ArgumentNullException.ThrowIfNull(peer);
        stored = default;
        at = 0;
        if (peer.Port == 0 || !StoredPeer.TryGetKey(peer.Address, out ulong high, out ulong low))
        {
            return false;
        }

        stored = new StoredPeer(high, low, (ushort)peer.Port, seed);
        lock (_lock)
        {
            // Taken under the lock so announce times, and with them the least-recently-announced
            // order, never go backwards.
            var entry = new PeerEntry(stored, announcedAt ?? _timeProvider.GetTimestamp());
            at = entry.Timestamp;
            long cutoff = entry.Timestamp - _lifetimeTimestampTicks;
            DropExpiredSwarms(cutoff);
            var swarm = GetOrAddSwarm(infoHash);
            _byAnnounce.MoveToNewest(swarm);
            swarm.LastAnnounce = entry.Timestamp;

            int index = swarm.Find(high, low);
            if (index >= 0)
            {
                swarm[index] = entry;
                return true;
            }

            if (swarm.Count >= _options.MaxPeersPerInfohash)
            {
                RemoveExpiredPeers(swarm, cutoff);
                if (swarm.Count >= _options.MaxPeersPerInfohash)
                {
                    swarm.RemoveAt(swarm.IndexOfOldest());
                    _peerCount--;
                }

                index = swarm.Find(high, low);
            }

            if (swarm.Count == swarm.Capacity)
            {
                Grow(swarm);
                index = swarm.Find(high, low);
            }

            swarm.InsertAt(~index, entry);
            _peerCount++;
            return true;
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with peers of <paramref name="infoHash"/>: all of them when
    /// they fit, otherwise a uniformly random subset, so that different requesters see different peers.
    /// <paramref name="noSeed"/> (BEP 33) leaves seeds out; <paramref name="family"/> (BEP 32: values
    /// match the family of the request) keeps one address family. Returns the number written.
    /// </summary>
    public int GetPeers(NodeId infoHash, Span<StoredPeer> destination, bool noSeed = false, AddressFamily? family = null)
    {
        lock (_lock)
        {
            var swarm = GetLiveSwarm(infoHash);
            if (swarm is null || destination.IsEmpty)
            {
                return 0;
            }

            // Reservoir sampling: one pass, no allocation, every matching peer equally likely.
            int seen = 0;
            for (int i = 0; i < swarm.Count; i++)
            {
                ref readonly var peer = ref swarm[i].Peer;
                if ((noSeed && peer.IsSeed) || (family is { } f && peer.AddressFamily != f))
                {
                    continue;
                }

                if (seen < destination.Length)
                {
                    destination[seen] = peer;
                }
                else
                {
                    int slot = _random.Next(seen + 1);
                    if (slot < destination.Length)
                    {
                        destination[slot] = peer;
                    }
                }

                seen++;
            }

            return Math.Min(seen, destination.Length);
        }
    }

    /// <summary>Up to <paramref name="max"/> peers of <paramref name="infoHash"/>, as <see cref="GetPeers(NodeId, Span{StoredPeer}, bool, AddressFamily?)"/> (allocates the array).</summary>
    public StoredPeer[] GetPeers(NodeId infoHash, int max, bool noSeed = false, AddressFamily? family = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var buffer = new StoredPeer[Math.Min(max, _options.MaxPeersPerInfohash)];
        int count = GetPeers(infoHash, buffer, noSeed, family);
        return count == buffer.Length ? buffer : buffer[..count];
    }

    /// <summary>Number of live peers stored for <paramref name="infoHash"/> (BEP 33: a node may stop giving tokens near 6,000).</summary>
    public int GetPeerCount(NodeId infoHash)
    {
        lock (_lock)
        {
            return GetLiveSwarm(infoHash)?.Count ?? 0;
        }
    }

    /// <summary>
    /// Adds the stored peers of <paramref name="infoHash"/> to BEP 33 filters: seeds to
    /// <paramref name="seeds"/> (BFsd), the others to <paramref name="peers"/> (BFpe). Returns false,
    /// adding nothing, when no peer is stored — BEP 33 sends the filters only then.
    /// </summary>
    public bool AddToScrapeFilters(NodeId infoHash, ScrapeBloomFilter seeds, ScrapeBloomFilter peers)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(peers);
        Span<byte> address = stackalloc byte[CompactEncoding.MaxAddressSize];
        lock (_lock)
        {
            var swarm = GetLiveSwarm(infoHash);
            if (swarm is null)
            {
                return false;
            }

            for (int i = 0; i < swarm.Count; i++)
            {
                ref readonly var peer = ref swarm[i].Peer;
                int length = peer.WriteAddress(address);
                (peer.IsSeed ? seeds : peers).Add(address[..length]);
            }

            return true;
        }
    }

    /// <summary>The BFsd and BFpe filters of <paramref name="infoHash"/>, or false when no peer is stored.</summary>
    public bool TryGetScrapeFilters(NodeId infoHash, out ScrapeBloomFilter seeds, out ScrapeBloomFilter peers)
    {
        seeds = new ScrapeBloomFilter();
        peers = new ScrapeBloomFilter();
        return AddToScrapeFilters(infoHash, seeds, peers);
    }

    /// <summary>
    /// Writes a uniformly random sample of stored infohashes (BEP 51 <c>samples</c>) into
    /// <paramref name="destination"/>; returns the number written, at most <see cref="InfohashCount"/>.
    /// </summary>
    public int SampleInfohashes(Span<NodeId> destination, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        lock (_lock)
        {
            DropExpiredSwarms(Cutoff());
            int count = Math.Min(destination.Length, _sampling.Count);

            // A partial Fisher-Yates shuffle of the sampling list itself: its order carries no
            // meaning, so shuffling in place costs O(count) and allocates nothing.
            for (int i = 0; i < count; i++)
            {
                int j = random.Next(i, _sampling.Count);
                if (j != i)
                {
                    (_sampling[i], _sampling[j]) = (_sampling[j], _sampling[i]);
                    _sampling[i].Index = i;
                    _sampling[j].Index = j;
                }

                destination[i] = _sampling[i].InfoHash;
            }

            return count;
        }
    }

    /// <summary>A random sample of at most <paramref name="max"/> stored infohashes (allocates the array).</summary>
    public NodeId[] SampleInfohashes(int max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var buffer = new NodeId[Math.Min(max, _options.MaxInfohashes)];
        int count = SampleInfohashes(buffer, random);
        return count == buffer.Length ? buffer : buffer[..count];
    }

    /// <summary>
    /// Drops every expired peer and empty infohash and gives back unused peer slots; returns the
    /// number of peers dropped. O(stored peers): call it from a timer every few minutes.
    /// </summary>
    public int Purge()
    {
        lock (_lock)
        {
            int before = _peerCount;
            long cutoff = Cutoff();
            DropExpiredSwarms(cutoff);

            // Backwards, because removing a swarm moves the last one into its slot.
            for (int i = _sampling.Count - 1; i >= 0; i--)
            {
                var swarm = _sampling[i];
                if (GetLiveCount(swarm, cutoff) > 0)
                {
                    Shrink(swarm);
                }
            }

            return before - _peerCount;
        }
    }

    /// <summary>Estimated bytes of one infohash holding <paramref name="peerSlots"/> peer slots.</summary>
    internal static long EstimateSwarmBytes(int peerSlots) => SwarmOverheadBytes + ((long)peerSlots * EntryBytes);

    private long Cutoff() => _timeProvider.GetTimestamp() - _lifetimeTimestampTicks;

    // The swarm of an infohash with its expired peers dropped, or null when none are left.
    private Swarm? GetLiveSwarm(NodeId infoHash)
    {
        long cutoff = Cutoff();
        DropExpiredSwarms(cutoff);
        return _swarms.TryGetValue(infoHash, out var swarm) && GetLiveCount(swarm, cutoff) > 0 ? swarm : null;
    }

    private int GetLiveCount(Swarm swarm, long cutoff)
    {
        RemoveExpiredPeers(swarm, cutoff);
        if (swarm.Count == 0)
        {
            RemoveSwarm(swarm);
        }

        return swarm.Count;
    }

    private void RemoveExpiredPeers(Swarm swarm, long cutoff) => _peerCount -= swarm.RemoveExpired(cutoff);

    // The least recently announced swarm's newest peer is older than every other swarm's newest,
    // so once it has expired the whole swarm has, and the walk from the old end stops at the first
    // live one: O(1) amortised per access.
    private void DropExpiredSwarms(long cutoff)
    {
        while (_byAnnounce.Oldest is { } oldest && oldest.LastAnnounce <= cutoff)
        {
            RemoveSwarm(oldest);
        }
    }

    private Swarm GetOrAddSwarm(NodeId infoHash)
    {
        if (_swarms.TryGetValue(infoHash, out var swarm))
        {
            return swarm;
        }

        if (_swarms.Count >= _options.MaxInfohashes)
        {
            RemoveSwarm(_byAnnounce.Oldest!);
        }

        long bytes = EstimateSwarmBytes(1);
        while (_bytes + bytes > _options.MaxBytes && _byAnnounce.Oldest is { } oldest)
        {
            RemoveSwarm(oldest);
        }

        swarm = new Swarm(infoHash, 1) { Index = _sampling.Count };
        _swarms.Add(infoHash, swarm);
        _sampling.Add(swarm);
        _bytes += bytes;
        return swarm;
    }

    // Doubles the peer slots of a full swarm (up to the per-infohash cap), dropping least recently
    // announced swarms to pay for it. Validation guarantees one full swarm fits in MaxBytes, so
    // when this swarm is the only one left the growth always fits.
    private void Grow(Swarm swarm)
    {
        int capacity = (int)Math.Min((long)swarm.Capacity * 2, _options.MaxPeersPerInfohash);
        long bytes = (long)(capacity - swarm.Capacity) * EntryBytes;
        while (_bytes + bytes > _options.MaxBytes && _byAnnounce.Oldest is { } oldest && oldest != swarm)
        {
            RemoveSwarm(oldest);
        }

        swarm.Resize(capacity);
        _bytes += bytes;
    }

    // Halves the slots of a swarm that uses under a quarter of them, so that a swarm that was once
    // large does not hold its peak memory forever.
    private void Shrink(Swarm swarm)
    {
        int capacity = swarm.Capacity;
        while (capacity > 1 && swarm.Count <= capacity / 4)
        {
            capacity /= 2;
        }

        if (capacity != swarm.Capacity)
        {
            _bytes -= (long)(swarm.Capacity - capacity) * EntryBytes;
            swarm.Resize(capacity);
        }
    }

    private void RemoveSwarm(Swarm swarm)
    {
        _swarms.Remove(swarm.InfoHash);

        int last = _sampling.Count - 1;
        if (swarm.Index != last)
        {
            var moved = _sampling[last];
            _sampling[swarm.Index] = moved;
            moved.Index = swarm.Index;
        }

        _sampling.RemoveAt(last);
        _byAnnounce.Remove(swarm);
        _peerCount -= swarm.Count;
        _bytes -= EstimateSwarmBytes(swarm.Capacity);
    }
}
