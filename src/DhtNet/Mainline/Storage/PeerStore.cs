using System.Net;
using System.Net.Sockets;
using DhtNet.Mainline.Bep33;
using DhtNet.Mainline.Krpc;

namespace DhtNet.Mainline.Storage;

/// <summary>
/// The announce_peer database (BEP 5, BEP 33 seeds, BEP 51 samples): per infohash a set of peers
/// unique by IP address. Every bound holds at all times: peers per infohash (the oldest peer makes
/// room), infohashes and memory (the least recently announced infohash makes room).
/// Peers expire <see cref="PeerStoreOptions.PeerLifetime"/> after their last announce; expired
/// entries are dropped lazily on access and by <see cref="Purge"/>, which the node calls from a
/// timer — the store runs no timers or threads of its own. Thread-safe.
/// </summary>
/// <remarks>
/// The layout is compact and pooled so that the process's memory follows the byte cap even while
/// swarms churn: infohashes are structs in one dense array (which is also the BEP 51 sampling list)
/// linked by index in announce order, and peers are 32-byte entries in blocks of
/// <see cref="PeerBlocks"/> slabs that are reused rather than left to the GC. Nothing is allocated
/// per infohash or per peer once the arrays have grown to the working size.
/// </remarks>
internal sealed class PeerStore
{
    // Estimated bytes of one infohash besides its peer block, rounded up: its Swarm struct (56)
    // and its Dictionary entry and bucket (36), each at up to twice the count after a resize.
    private const int SwarmOverheadBytes = 192;
    private const int None = -1;

    private readonly PeerStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly long _lifetimeTimestampTicks;
    private readonly object _lock = new();
    private readonly Dictionary<NodeId, int> _index = [];
    private readonly PeerBlocks _blocks;
    private Swarm[] _swarms = []; // grown on the first announce
    private int _swarmCount;
    private int _oldest = None;
    private int _newest = None;
    private int _peerCount;

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
        _blocks = new PeerBlocks(options.MaxPeersPerInfohash);
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
                return _swarmCount;
            }
        }
    }

    /// <summary>
    /// Conservative estimate of the managed memory the store holds, in bytes: its peer slabs (in
    /// use or kept for reuse) and a fixed cost per infohash; never above <see cref="PeerStoreOptions.MaxBytes"/>.
    /// </summary>
    public long EstimatedBytes
    {
        get
        {
            lock (_lock)
            {
                return Bytes;
            }
        }
    }

    /// <summary>Is told of every stored or renewed announce (not of restores, expiry or eviction); null for none.</summary>
    public IStoreObserver? Observer { get; set; }

    private long Bytes => _blocks.Bytes + ((long)_swarmCount * SwarmOverheadBytes);

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
            int slot = GetOrAddSwarm(infoHash);
            MoveToNewest(slot);
            _swarms[slot].LastAnnounce = entry.Timestamp;

            int index = SwarmPeers.Find(Peers(slot), high, low);
            if (index >= 0)
            {
                Block(slot)[index] = entry;
                return true;
            }

            ref var swarm = ref _swarms[slot];
            if (swarm.Count >= _options.MaxPeersPerInfohash)
            {
                RemoveExpiredPeers(slot, cutoff);
                if (swarm.Count >= _options.MaxPeersPerInfohash)
                {
                    SwarmPeers.RemoveAt(Block(slot), swarm.Count, SwarmPeers.IndexOfOldest(Peers(slot)));
                    swarm.Count--;
                    _peerCount--;
                }

                index = SwarmPeers.Find(Peers(slot), high, low);
            }

            if (swarm.Count == swarm.Capacity)
            {
                // Growing may evict other swarms, which moves slots: look this one up again.
                slot = Grow(slot);
                index = SwarmPeers.Find(Peers(slot), high, low);
            }

            ref var grown = ref _swarms[slot];
            SwarmPeers.InsertAt(Block(slot), grown.Count, ~index, entry);
            grown.Count++;
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
            int slot = GetLiveSwarm(infoHash);
            if (slot == None || destination.IsEmpty)
            {
                return 0;
            }

            var swarm = Peers(slot);

            // Reservoir sampling: one pass, no allocation, every matching peer equally likely.
            int seen = 0;
            for (int i = 0; i < swarm.Length; i++)
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
                    int at = _random.Next(seen + 1);
                    if (at < destination.Length)
                    {
                        destination[at] = peer;
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
            int slot = GetLiveSwarm(infoHash);
            return slot == None ? 0 : _swarms[slot].Count;
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
            int slot = GetLiveSwarm(infoHash);
            if (slot == None)
            {
                return false;
            }

            var swarm = Peers(slot);
            for (int i = 0; i < swarm.Length; i++)
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
            int count = Math.Min(destination.Length, _swarmCount);

            if (count * 2 > _swarmCount)
            {
                // Most of them asked for: one pass of reservoir sampling over all slots.
                for (int slot = 0; slot < _swarmCount; slot++)
                {
                    int at = slot < count ? slot : random.Next(slot + 1);
                    if (at < count)
                    {
                        destination[at] = _swarms[slot].InfoHash;
                    }
                }

                return count;
            }

            // A few of many: distinct random slots, each draw repeated while it hits one already
            // taken (under half are taken, so under two draws each), no allocation.
            for (int i = 0; i < count; i++)
            {
                NodeId pick;
                do
                {
                    pick = _swarms[random.Next(_swarmCount)].InfoHash;
                }
                while (destination[..i].Contains(pick));

                destination[i] = pick;
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
    /// Drops every expired peer and empty infohash, gives back unused peer slots and releases peer
    /// slabs no longer needed; returns the number of peers dropped. O(stored peers): call it from a
    /// timer every few minutes.
    /// </summary>
    public int Purge()
    {
        lock (_lock)
        {
            int before = _peerCount;
            long cutoff = Cutoff();
            DropExpiredSwarms(cutoff);

            // Backwards, because removing a swarm moves the last one into its slot.
            for (int slot = _swarmCount - 1; slot >= 0; slot--)
            {
                if (GetLiveCount(slot, cutoff) > 0)
                {
                    Shrink(slot);
                }
            }

            _blocks.ReleaseEmpty(SpareSlabs());
            return before - _peerCount;
        }
    }

    /// <summary>Estimated bytes of one infohash holding <paramref name="peerSlots"/> peer slots.</summary>
    internal static long EstimateSwarmBytes(int peerSlots) =>
        SwarmOverheadBytes + ((long)PeerBlocks.Capacity(PeerBlocks.ClassFor(peerSlots)) * PeerBlocks.EntryBytes);

    /// <summary>Peer slots held for <paramref name="infoHash"/> (0 when it is not stored); for tests of the layout.</summary>
    internal int PeerSlots(NodeId infoHash)
    {
        lock (_lock)
        {
            return _index.TryGetValue(infoHash, out int slot) ? _swarms[slot].Capacity : 0;
        }
    }

    // Empty slabs kept for reuse: one in sixteen of those in use, so that churn reuses slabs rather
    // than releasing and allocating them, and an emptied store gives its memory back.
    private int SpareSlabs() => _blocks.SlabsInUse / 16;

    private long Cutoff() => _timeProvider.GetTimestamp() - _lifetimeTimestampTicks;

    private Span<PeerEntry> Block(int slot) => _blocks.Get(_swarms[slot].Block, _swarms[slot].SizeClass);

    private ReadOnlySpan<PeerEntry> Peers(int slot) => Block(slot)[.._swarms[slot].Count];

    // The slot of an infohash with its expired peers dropped, or -1 when none are left.
    private int GetLiveSwarm(NodeId infoHash)
    {
        long cutoff = Cutoff();
        DropExpiredSwarms(cutoff);
        return _index.TryGetValue(infoHash, out int slot) && GetLiveCount(slot, cutoff) > 0 ? slot : None;
    }

    // Drops the expired peers of a swarm, and the swarm when none are left; returns the peers left.
    private int GetLiveCount(int slot, long cutoff)
    {
        RemoveExpiredPeers(slot, cutoff);
        int count = _swarms[slot].Count;
        if (count == 0)
        {
            RemoveSwarm(slot);
        }

        return count;
    }

    private void RemoveExpiredPeers(int slot, long cutoff)
    {
        ref var swarm = ref _swarms[slot];
        int kept = SwarmPeers.RemoveExpired(Block(slot), swarm.Count, cutoff);
        _peerCount -= swarm.Count - kept;
        swarm.Count = kept;
    }

    // The least recently announced swarm's newest peer is older than every other swarm's newest,
    // so once it has expired the whole swarm has, and the walk from the old end stops at the first
    // live one: O(1) amortised per access.
    private void DropExpiredSwarms(long cutoff)
    {
        while (_oldest != None && _swarms[_oldest].LastAnnounce <= cutoff)
        {
            RemoveSwarm(_oldest);
        }
    }

    private int GetOrAddSwarm(NodeId infoHash)
    {
        if (_index.TryGetValue(infoHash, out int slot))
        {
            return slot;
        }

        if (_swarmCount >= _options.MaxInfohashes)
        {
            RemoveSwarm(_oldest);
        }

        // A new swarm needs its fixed cost and a one-peer block; the oldest swarms make room.
        while (_oldest != None && Bytes + SwarmOverheadBytes + (_blocks.HasFree(0) ? 0 : _blocks.SlabBytes) > _options.MaxBytes)
        {
            RemoveSwarm(_oldest);
        }

        if (_swarmCount == _swarms.Length)
        {
            Array.Resize(ref _swarms, (int)Math.Min(Math.Max(_swarms.Length * 2L, 16), Math.Max(_options.MaxInfohashes, 16)));
        }

        slot = _swarmCount++;
        _swarms[slot] = new Swarm
        {
            InfoHash = infoHash,
            Block = _blocks.Allocate(0),
            SizeClass = 0,
            Older = None,
            Newer = None,
        };
        _index.Add(infoHash, slot);
        return slot;
    }

    // Doubles the peer slots of a full swarm (up to the per-infohash cap), dropping least recently
    // announced swarms when a new slab would pass the cap. Validation guarantees one full swarm
    // fits in MaxBytes, so when this swarm is the only one left the growth always fits. Returns
    // the swarm's slot, which evictions may have moved.
    private int Grow(int slot)
    {
        var infoHash = _swarms[slot].InfoHash;
        int sizeClass = _swarms[slot].SizeClass + 1;
        while (!_blocks.HasFree(sizeClass) && Bytes + _blocks.SlabBytes > _options.MaxBytes && _oldest != None && _oldest != slot)
        {
            RemoveSwarm(_oldest);
            slot = _index[infoHash];
        }

        MoveTo(slot, sizeClass);
        if (Bytes > _options.MaxBytes)
        {
            // The swarm alone outgrew its slab: the one it left is empty now, and goes.
            _blocks.ReleaseEmpty(0);
        }

        return slot;
    }

    // Halves the slots of a swarm that uses under a quarter of them, so that a swarm that was once
    // large does not hold its peak memory forever; only into a block that needs no new slab.
    private void Shrink(int slot)
    {
        ref var swarm = ref _swarms[slot];
        int sizeClass = swarm.SizeClass;
        while (sizeClass > 0 && swarm.Count <= PeerBlocks.Capacity(sizeClass) / 4)
        {
            sizeClass--;
        }

        if (sizeClass != swarm.SizeClass && (_blocks.HasFree(sizeClass) || Bytes + _blocks.SlabBytes <= _options.MaxBytes))
        {
            MoveTo(slot, sizeClass);
        }
    }

    private void MoveTo(int slot, int sizeClass)
    {
        ref var swarm = ref _swarms[slot];
        int block = _blocks.Allocate(sizeClass);
        Peers(slot).CopyTo(_blocks.Get(block, sizeClass));
        _blocks.Free(swarm.Block, swarm.SizeClass);
        swarm.Block = block;
        swarm.SizeClass = sizeClass;
    }

    // Frees the swarm's block and moves the last swarm into its slot, so slots stay dense.
    private void RemoveSwarm(int slot)
    {
        ref var swarm = ref _swarms[slot];
        _index.Remove(swarm.InfoHash);
        Unlink(slot);
        _blocks.Free(swarm.Block, swarm.SizeClass);
        _peerCount -= swarm.Count;

        int last = --_swarmCount;
        if (slot != last)
        {
            ref var moved = ref _swarms[last];
            _swarms[slot] = moved;
            _index[moved.InfoHash] = slot;
            Relink(last, slot);
        }

        _swarms[last] = default;
        if (_swarmCount == 0)
        {
            _blocks.ReleaseEmpty(0);
        }
    }

    private void MoveToNewest(int slot)
    {
        if (_newest == slot)
        {
            return;
        }

        Unlink(slot);
        ref var swarm = ref _swarms[slot];
        swarm.Older = _newest;
        swarm.Newer = None;
        if (_newest != None)
        {
            _swarms[_newest].Newer = slot;
        }

        _newest = slot;
        if (_oldest == None)
        {
            _oldest = slot;
        }
    }

    private void Unlink(int slot)
    {
        ref var swarm = ref _swarms[slot];
        if (swarm.Older != None)
        {
            _swarms[swarm.Older].Newer = swarm.Newer;
        }
        else if (_oldest == slot)
        {
            _oldest = swarm.Newer;
        }

        if (swarm.Newer != None)
        {
            _swarms[swarm.Newer].Older = swarm.Older;
        }
        else if (_newest == slot)
        {
            _newest = swarm.Older;
        }

        swarm.Older = None;
        swarm.Newer = None;
    }

    // The swarm at `from` now lives at `to` (its fields copied already): its neighbours point there.
    private void Relink(int from, int to)
    {
        ref var swarm = ref _swarms[to];
        if (swarm.Older != None)
        {
            _swarms[swarm.Older].Newer = to;
        }
        else if (_oldest == from)
        {
            _oldest = to;
        }

        if (swarm.Newer != None)
        {
            _swarms[swarm.Newer].Older = to;
        }
        else if (_newest == from)
        {
            _newest = to;
        }
    }
}
