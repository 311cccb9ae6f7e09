using System.Runtime.CompilerServices;

namespace DhtNet.Kademlia;

/// <summary>
/// A Kademlia routing table over any key and contact: buckets of K nodes of which only the bucket
/// covering our own key splits; a full bucket keeps a bounded replacement cache and asks the caller,
/// through <see cref="AddResult{TContact}.PingCandidate"/>, to ping its least recently seen
/// questionable node; a node that fails <see cref="RoutingTableOptions.FailuresBeforeBad"/> queries
/// in a row is bad and gives way. Good, questionable and bad follow BEP 5's timings. Which contacts
/// may enter, and when two contacts share an address, is the <see cref="IRoutingPolicy{TKey, TContact}"/>'s
/// business.
/// </summary>
/// <remarks>
/// Nodes enter only through <see cref="Report"/>, <see cref="AddOrUpdate"/> and <see cref="Import"/>.
/// When the policy keeps an address index, an address claimed under a new key, or a key seen at a new
/// address, replaces the old entry unless that entry is good (then the claim is refused with
/// <see cref="AddOutcome.RejectedConflict"/>), so a spoofed packet cannot displace a live node. Size
/// is bounded: at most <c>TKey.Bits</c> buckets of <see cref="RoutingTableOptions.BucketSize"/> nodes
/// plus <see cref="RoutingTableOptions.ReplacementCacheSize"/> candidates each. All members are thread-safe.
/// </remarks>
/// <typeparam name="TKey">The key type (160-bit <see cref="NodeId"/>, 256-bit <see cref="Key256"/>).</typeparam>
/// <typeparam name="TContact">What the network keeps per node; carries its key.</typeparam>
public sealed partial class RoutingTable<TKey, TContact>
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    private readonly Lock _lock = new();
    private RoundTripEstimator _roundTrips;
    private readonly TimeProvider _timeProvider;
    private readonly RoutingTableOptions _options;
    private readonly IRoutingPolicy<TKey, TContact> _policy;
    private readonly Random _random;
    private readonly long _freshnessTimestamps; // FreshnessInterval in the time provider's timestamp units

    // Bucket i < last holds the keys that share exactly i leading bits with ours; the last bucket holds
    // those sharing at least (Count - 1) bits, our own key's range. So a key's bucket is found in O(1),
    // and a key is found by scanning that bucket's nodes and cache (at most K + cache size entries):
    // no index by key. The address index holds the contacts themselves, compared by address, and
    // gives back the key of the entry that holds an address.
    private readonly List<Bucket<TKey, TContact>> _buckets = [];
    private readonly HashSet<TContact>? _byAddress;
    private int _count;
    private int _cached;

    /// <param name="localId">Our key; the buckets are laid out around it.</param>
    /// <param name="policy">Address and admission rules (<see cref="OpenRoutingPolicy{TKey, TContact}"/> when there are none).</param>
    /// <param name="timeProvider">The clock for node states and bucket ages.</param>
    /// <param name="options">Sizes and timings.</param>
    public RoutingTable(TKey localId, IRoutingPolicy<TKey, TContact> policy, TimeProvider timeProvider, RoutingTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options ?? new RoutingTableOptions();
        _options.Validate();
        LocalId = localId;
        _policy = policy;
        _timeProvider = timeProvider;
        _random = _options.Random ?? Random.Shared;
        _freshnessTimestamps = ToTimestamps(_options.FreshnessInterval);
        _byAddress = policy.AddressComparer is { } comparer ? new HashSet<TContact>(comparer) : null;
        _buckets.Add(NewBucket(default, 0, timeProvider.GetTimestamp()));
    }

    /// <summary>Our key; the table is organised around it. A new key needs a new table (<see cref="Export"/> then <see cref="Import"/>).</summary>
    public TKey LocalId { get; }

    /// <summary>The rules this table admits contacts by.</summary>
    public IRoutingPolicy<TKey, TContact> Policy => _policy;

    /// <summary>The most buckets a table can have: one per bit of the key space.</summary>
    public static int MaxBuckets => TKey.Bits;

    /// <summary>
    /// The network's round-trip time as every answer reported here measured it (RFC 6298's SRTT and
    /// RTTVAR), or null before the first: what a new lookup's timeouts start from.
    /// </summary>
    public (TimeSpan Smoothed, TimeSpan Variation)? RoundTripEstimate
    {
        get
        {
            lock (_lock)
            {
                return _roundTrips.HasEstimate ? (_roundTrips.Smoothed, _roundTrips.Variation) : null;
            }
        }
    }

    /// <summary>Nodes in buckets (every state; replacement caches not counted).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Candidates waiting in replacement caches.</summary>
    public int ReplacementCount
    {
        get
        {
            lock (_lock)
            {
                return _cached;
            }
        }
    }

    /// <summary>A snapshot of the buckets, nearest our key last.</summary>
    public IReadOnlyList<BucketInfo<TKey, TContact>> Buckets
    {
        get
        {
            lock (_lock)
            {
                long now = _timeProvider.GetTimestamp();
                var utcNow = _timeProvider.GetUtcNow();
                var result = new BucketInfo<TKey, TContact>[_buckets.Count];
                for (int i = 0; i < result.Length; i++)
                {
                    var bucket = _buckets[i];
                    result[i] = new BucketInfo<TKey, TContact>(
                        bucket.Prefix,
                        bucket.Depth,
                        ToUtc(bucket.LastChanged, now, utcNow),
                        Snapshot(bucket.Nodes, now, utcNow),
                        Snapshot(bucket.Replacements, now, utcNow));
                }

                return result;
            }
        }
    }

    /// <summary>
    /// The funnel for requests we sent: an answer adds or refreshes the node (as
    /// <see cref="NodeContact.Responded"/>, remembering the round trip), a timeout counts a failure,
    /// an inconclusive outcome changes nothing. Returns what the caller acts on: a node that took a
    /// slot, and a questionable node to ping.
    /// </summary>
    public RoutingChange<TContact> Report(TContact contact, RequestOutcome outcome)
    {
        switch (outcome.Status)
        {
            case RequestStatus.Answered:
                lock (_lock)
                {
                    _roundTrips.Sample(outcome.RoundTrip);
                }

                var added = AddOrUpdateCore(contact, NodeContact.Responded, ToTimestamps(outcome.RoundTrip));
                return new(added.IsAdded, added.IsAdded ? contact : default, added.HasPingCandidate, added.PingCandidate);
            case RequestStatus.TimedOut:
                var failed = RecordFailure(contact.Id);
                return failed.Outcome == FailureOutcome.Replaced ? new(true, failed.Promoted, false, default) : RoutingChange<TContact>.None;
            case RequestStatus.Inconclusive:
                return RoutingChange<TContact>.None;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome));
        }
    }

    /// <summary>
    /// Records contact with a node: adds it, updates it, or parks it in its bucket's replacement cache.
    /// When the result has a <see cref="AddResult{TContact}.PingCandidate"/>, ping it and report the outcome.
    /// </summary>
    public AddResult<TContact> AddOrUpdate(TContact contact, NodeContact how) => AddOrUpdateCore(contact, how, RoutingEntry<TKey, TContact>.Never);

    /// <summary>
    /// Records that a node did not answer one of our queries. After
    /// <see cref="RoutingTableOptions.FailuresBeforeBad"/> failures in a row it is bad: evicted in favour
    /// of the best waiting replacement if there is one, else kept (unused) until a newcomer replaces it.
    /// </summary>
    public FailureResult<TContact> RecordFailure(TKey id)
    {
        lock (_lock)
        {
            var slot = Find(id);
            if (slot.Bucket is not { } bucket)
            {
                return new(FailureOutcome.Unknown);
            }

            ref var entry = ref EntryAt(slot);
            entry.FailedQueries++;
            entry.PingRequested = RoutingEntry<TKey, TContact>.Never;
            if (entry.FailedQueries < _options.FailuresBeforeBad)
            {
                return new(FailureOutcome.Counted);
            }

            if (slot.InCache)
            {
                Detach(slot);
                return new(FailureOutcome.Removed);
            }

            long now = _timeProvider.GetTimestamp();
            int best = BestReplacement(bucket, now);
            if (best < 0)
            {
                return new(FailureOutcome.Bad);
            }

            // The replacement takes the bad node's place in the bucket; its contact is in the address index already.
            var replacement = bucket.Replacements[best];
            bucket.Replacements.RemoveAt(best);
            _cached--;
            _byAddress?.Remove(entry.Contact);
            entry = replacement;
            bucket.LastChanged = now;
            return new(FailureOutcome.Replaced, replacement.Contact);
        }
    }

    /// <summary>Removes a node from its bucket (a waiting replacement takes its place) or from a replacement cache.</summary>
    public bool Remove(TKey id)
    {
        lock (_lock)
        {
            var slot = Find(id);
            if (slot.Bucket is null)
            {
                return false;
            }

            FillFromCache(Detach(slot), _timeProvider.GetTimestamp());
            return true;
        }
    }

    /// <summary>The current state of a node in a bucket or replacement cache.</summary>
    public bool TryGetState(TKey id, out NodeState state)
    {
        lock (_lock)
        {
            var slot = Find(id);
            if (slot.Bucket is not null)
            {
                state = StateOf(ref EntryAt(slot), _timeProvider.GetTimestamp());
                return true;
            }

            state = default;
            return false;
        }
    }

    /// <summary>True when <paramref name="id"/> is in a bucket (not merely waiting in a replacement cache).</summary>
    public bool Contains(TKey id)
    {
        lock (_lock)
        {
            var slot = Find(id);
            return slot.Bucket is not null && !slot.InCache;
        }
    }

    /// <summary>
    /// Buckets unchanged for <see cref="RoutingTableOptions.FreshnessInterval"/>, each with a random key
    /// in its range to look up. Not marked: call <see cref="MarkRefreshed"/> when the lookup starts.
    /// </summary>
    public IReadOnlyList<BucketRefresh<TKey>> GetBucketsToRefresh()
    {
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            List<BucketRefresh<TKey>>? due = null;
            foreach (var bucket in _buckets)
            {
                if (_timeProvider.GetElapsedTime(bucket.LastChanged, now) >= _options.FreshnessInterval)
                {
                    var target = KademliaKey.RandomWithPrefix(bucket.Prefix, bucket.Depth, _random);
                    (due ??= []).Add(new BucketRefresh<TKey>(target, bucket.Prefix, bucket.Depth));
                }
            }

            return due ?? (IReadOnlyList<BucketRefresh<TKey>>)[];
        }
    }

    /// <summary>Marks the bucket containing <paramref name="target"/> as changed now.</summary>
    public void MarkRefreshed(TKey target)
    {
        lock (_lock)
        {
            BucketFor(target).LastChanged = _timeProvider.GetTimestamp();
        }
    }

    /// <summary>The nodes worth saving: not bad, good ones first, then the most recently active.</summary>
    public IReadOnlyList<TContact> Export()
    {
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            var ranked = new List<(bool Good, long Activity, TContact Contact)>(_count);
            foreach (var bucket in _buckets)
            {
                foreach (ref var entry in bucket.Nodes.AsSpan())
                {
                    var state = StateOf(ref entry, now);
                    if (state != NodeState.Bad)
                    {
                        ranked.Add((state == NodeState.Good, entry.LastActivity, entry.Contact));
                    }
                }
            }

            ranked.Sort(static (a, b) => a.Good != b.Good ? (a.Good ? -1 : 1) : b.Activity.CompareTo(a.Activity));
            var result = new TContact[ranked.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = ranked[i].Contact;
            }

            return result;
        }
    }

    /// <summary>
    /// Adds saved nodes as unverified (<see cref="NodeContact.Seen"/>): questionable until they answer,
    /// so the caller should ping them before trusting them. Returns how many went into buckets.
    /// </summary>
    public int Import(IEnumerable<TContact> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        int added = 0;
        foreach (var contact in contacts)
        {
            if (contact is not null && AddOrUpdate(contact, NodeContact.Seen).IsAdded)
            {
                added++;
            }
        }

        return added;
    }

    private AddResult<TContact> AddOrUpdateCore(TContact contact, NodeContact how, long roundTrip)
    {
        ArgumentNullException.ThrowIfNull(contact);
        if (how is not (NodeContact.Responded or NodeContact.Queried or NodeContact.Seen))
        {
            throw new ArgumentOutOfRangeException(nameof(how));
        }

        var id = contact.Id;
        if (id.Equals(LocalId))
        {
            return new(AddOutcome.RejectedSelf);
        }

        // The policy normalises a copy: were contact itself passed by reference, it could not be kept
        // in registers, and every later read of it would go to memory.
        var normalised = contact;
        switch (_policy.Check(ref normalised))
        {
            case ContactCheck.Usable:
                contact = normalised;
                break;
            case ContactCheck.OtherAddressFamily:
                return new(AddOutcome.RejectedAddressFamily);
            default:
                return new(AddOutcome.RejectedAddress);
        }

        lock (_lock)
        {
            return AddOrUpdateLocked(contact, how, roundTrip);
        }
    }

    // Apart from the lock's try/finally, which would keep every local of this path in memory. The
    // known-node path's helpers are inlined whatever the profile says: a table filled by Import (all
    // newcomers) would otherwise leave them out as cold, and each update would pay for three calls.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AddResult<TContact> AddOrUpdateLocked(TContact contact, NodeContact how, long roundTrip)
    {
        long now = _timeProvider.GetTimestamp();
        var sameId = Find(contact.Id);
        if (sameId.Bucket is not null)
        {
            ref var entry = ref EntryAt(sameId);
            if (IsSameAddress(ref entry, contact))
            {
                return Update(sameId, ref entry, how, now, roundTrip);
            }
        }

        return AddLocked(contact, how, now, roundTrip, sameId);
    }

    // A contact whose key is not in the table at its address: a newcomer, or a key or address that
    // moved. Kept out of AddOrUpdateCore so that the update of a known node, the common case, stays a
    // lean method (inlined, this path would add to the stack frame it clears on every call).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AddResult<TContact> AddLocked(TContact contact, NodeContact how, long now, long roundTrip, EntrySlot sameId)
    {
        var sameAddress = _byAddress is not null && _byAddress.TryGetValue(contact, out var holder) ? Find(holder.Id) : default;
        if (IsGoodInBucket(sameId, now) || IsGoodInBucket(sameAddress, now))
        {
            return new(AddOutcome.RejectedConflict);
        }

        var admission = _policy.Admit(contact);
        if (admission == ContactAdmission.Refused)
        {
            return new(AddOutcome.RejectedByFilter);
        }

        // The stale entries give way; their buckets take a waiting replacement if the newcomer lands
        // elsewhere. The second is found again: taking out the first may have moved it in its list.
        var addressKey = sameAddress.Bucket is null ? default : EntryAt(sameAddress).Id;
        var vacated1 = Detach(sameId);
        var vacated2 = sameAddress.Bucket is null ? null : Detach(Find(addressKey));
        var entry = new RoutingEntry<TKey, TContact>(contact, admission == ContactAdmission.Preferred);
        Touch(ref entry, how, now, roundTrip);
        var result = Insert(entry, now);
        FillFromCache(vacated1, now);
        FillFromCache(vacated2, now);
        return result;
    }

    // Whether a contact for a known key is at the entry's address; if so it is a newer sighting, and one
    // that differs (fresher details) replaces the entry's contact. An equal contact is kept as it is, so
    // the entry and the address index go on sharing one copy (equal contacts have equal addresses, so
    // the common case costs one comparison).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsSameAddress(ref RoutingEntry<TKey, TContact> entry, TContact contact) =>
        EqualityComparer<TContact>.Default.Equals(entry.Contact, contact) || TakeNewerSighting(ref entry, contact);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TakeNewerSighting(ref RoutingEntry<TKey, TContact> entry, TContact contact)
    {
        if (_byAddress is not null)
        {
            if (!_byAddress.Comparer.Equals(entry.Contact, contact))
            {
                return false;
            }

            _byAddress.Remove(entry.Contact);
            _byAddress.Add(contact);
        }

        entry.Contact = contact;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private AddResult<TContact> Update(EntrySlot slot, ref RoutingEntry<TKey, TContact> entry, NodeContact how, long now, long roundTrip)
    {
        Touch(ref entry, how, now, roundTrip);
        if (slot.InCache)
        {
            return Promote(slot, how, now);
        }

        if (how == NodeContact.Responded)
        {
            slot.Bucket!.LastChanged = now;
        }

        return new(AddOutcome.Updated);
    }

    // A waiting candidate moves to the newest end of its cache, or in if a slot has opened.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AddResult<TContact> Promote(EntrySlot slot, NodeContact how, long now)
    {
        var bucket = slot.Bucket!;
        var moved = EntryAt(slot);
        bucket.Replacements.RemoveAt(slot.Index);
        if (bucket.Nodes.Count < _options.BucketSize)
        {
            bucket.Nodes.Add(moved, _options.BucketSize);
            _cached--;
            _count++;
            bucket.LastChanged = now;
            return new(AddOutcome.Added);
        }

        bucket.Replacements.Add(moved, _options.ReplacementCacheSize);
        return how == NodeContact.Seen ? new(AddOutcome.Updated) : WithPing(AddOutcome.Updated, bucket, now);
    }

    private AddResult<TContact> Insert(in RoutingEntry<TKey, TContact> entry, long now)
    {
        while (true)
        {
            int index = IndexFor(entry.Contact.Id);
            var bucket = _buckets[index];
            if (bucket.Nodes.Count < _options.BucketSize)
            {
                bucket.Nodes.Add(entry, _options.BucketSize);
                _byAddress?.Add(entry.Contact);
                _count++;
                bucket.LastChanged = now;
                return new(AddOutcome.Added);
            }

            if (index == _buckets.Count - 1 && _buckets.Count < MaxBuckets)
            {
                Split(now);
                continue;
            }

            int bad = WorstBad(bucket, now);
            if (bad >= 0)
            {
                ref var replaced = ref bucket.Nodes[bad];
                _byAddress?.Remove(replaced.Contact);
                replaced = entry;
                _byAddress?.Add(entry.Contact);
                bucket.LastChanged = now;
                return new(AddOutcome.ReplacedBad);
            }

            if (_options.ReplacementCacheSize == 0)
            {
                return WithPing(AddOutcome.Cached, bucket, now);
            }

            if (bucket.Replacements.Count >= _options.ReplacementCacheSize)
            {
                Detach(new EntrySlot(bucket, true, 0));
            }

            bucket.Replacements.Add(entry, _options.ReplacementCacheSize);
            _byAddress?.Add(entry.Contact);
            _cached++;
            return WithPing(AddOutcome.Cached, bucket, now);
        }
    }

    // Splits the last bucket (our own range) in two: the half away from our key becomes a new bucket
    // just before it, the half with our key stays last.
    private void Split(long now)
    {
        var own = _buckets[^1];
        int depth = own.Depth;
        var ownPrefix = KademliaKey.KeepPrefix(LocalId, depth + 1);
        var far = NewBucket(ownPrefix.WithBit(depth, !LocalId.GetBit(depth)), depth + 1, own.LastChanged);
        own.Prefix = ownPrefix;
        own.Depth = depth + 1;
        MoveFar(ref own.Nodes, ref far.Nodes, depth, _options.BucketSize);
        MoveFar(ref own.Replacements, ref far.Replacements, depth, _options.ReplacementCacheSize);
        _buckets.Insert(_buckets.Count - 1, far);
        FillFromCache(far, now);
        FillFromCache(own, now);
    }

    private void MoveFar(ref EntryList<TKey, TContact> from, ref EntryList<TKey, TContact> to, int depth, int capacity)
    {
        for (int i = 0; i < from.Count; i++)
        {
            if (from[i].Id.CommonPrefixLength(LocalId) == depth)
            {
                to.Add(from[i], capacity);
                from.RemoveAt(i--);
            }
        }
    }

    // Hands out the least recently active questionable node that has no ping outstanding.
    private AddResult<TContact> WithPing(AddOutcome outcome, Bucket<TKey, TContact> bucket, long now)
    {
        var nodes = bucket.Nodes.AsSpan();
        int oldest = -1;
        for (int i = 0; i < nodes.Length; i++)
        {
            ref var node = ref nodes[i];
            if (StateOf(ref node, now) == NodeState.Questionable
                && (node.PingRequested == RoutingEntry<TKey, TContact>.Never || _timeProvider.GetElapsedTime(node.PingRequested, now) >= _options.PingTimeout)
                && (oldest < 0 || node.LastActivity < nodes[oldest].LastActivity))
            {
                oldest = i;
            }
        }

        if (oldest < 0)
        {
            return new(outcome);
        }

        nodes[oldest].PingRequested = now;
        return new(outcome, nodes[oldest].Contact, true);
    }

    // The bad node to replace first: most failures, then least recently active. -1 when none is bad.
    private int WorstBad(Bucket<TKey, TContact> bucket, long now)
    {
        var nodes = bucket.Nodes.AsSpan();
        int worst = -1;
        for (int i = 0; i < nodes.Length; i++)
        {
            ref var node = ref nodes[i];
            if (StateOf(ref node, now) == NodeState.Bad
                && (worst < 0 || node.FailedQueries > nodes[worst].FailedQueries
                    || (node.FailedQueries == nodes[worst].FailedQueries && node.LastActivity < nodes[worst].LastActivity)))
            {
                worst = i;
            }
        }

        return worst;
    }

    // The candidate to promote: good before questionable, verified before unverified, then the newest. -1 when none may be.
    private int BestReplacement(Bucket<TKey, TContact> bucket, long now)
    {
        var replacements = bucket.Replacements.AsSpan();
        int best = -1;
        int bestRank = int.MaxValue;
        for (int i = replacements.Length - 1; i >= 0; i--)
        {
            ref var candidate = ref replacements[i];
            int rank = StateOf(ref candidate, now) switch
            {
                NodeState.Good => 0,
                NodeState.Questionable when candidate.HasResponded => 1,
                NodeState.Questionable => 2,
                _ => 3,
            };
            if (rank < bestRank && rank < 3)
            {
                best = i;
                bestRank = rank;
            }
        }

        return best;
    }

    private void FillFromCache(Bucket<TKey, TContact>? bucket, long now)
    {
        int best;
        while (bucket is not null && bucket.Nodes.Count < _options.BucketSize && (best = BestReplacement(bucket, now)) >= 0)
        {
            bucket.Nodes.Add(bucket.Replacements[best], _options.BucketSize);
            bucket.Replacements.RemoveAt(best);
            _cached--;
            _count++;
            bucket.LastChanged = now;
        }
    }

    // The bucket, list and index that hold the entry with key id; no bucket when there is none.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private EntrySlot Find(TKey id)
    {
        var bucket = BucketFor(id);
        int index = bucket.Nodes.IndexOf(id);
        if (index >= 0)
        {
            return new(bucket, false, index);
        }

        index = bucket.Replacements.IndexOf(id);
        return index >= 0 ? new(bucket, true, index) : default;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref RoutingEntry<TKey, TContact> EntryAt(EntrySlot slot) =>
        ref slot.InCache ? ref slot.Bucket!.Replacements[slot.Index] : ref slot.Bucket!.Nodes[slot.Index];

    // Takes an entry out of its bucket or cache and the address index; returns the bucket it left (null
    // when it left a cache, or there was none).
    private Bucket<TKey, TContact>? Detach(EntrySlot slot)
    {
        if (slot.Bucket is not { } bucket)
        {
            return null;
        }

        _byAddress?.Remove(EntryAt(slot).Contact);
        if (slot.InCache)
        {
            bucket.Replacements.RemoveAt(slot.Index);
            _cached--;
            return null;
        }

        bucket.Nodes.RemoveAt(slot.Index);
        _count--;
        return bucket;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Touch(ref RoutingEntry<TKey, TContact> entry, NodeContact how, long now, long roundTrip)
    {
        switch (how)
        {
            case NodeContact.Responded:
                entry.LastResponse = now;
                entry.HasResponded = true;
                entry.FailedQueries = 0;
                entry.PingRequested = RoutingEntry<TKey, TContact>.Never;
                if (roundTrip != RoutingEntry<TKey, TContact>.Never)
                {
                    entry.RoundTrip = roundTrip;
                }

                break;
            case NodeContact.Queried:
                entry.LastQuery = now;
                break;
            case NodeContact.Seen:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how));
        }
    }

    // Called for every node FindClosest visits, so it compares timestamps instead of asking the time provider.
    private NodeState StateOf(ref RoutingEntry<TKey, TContact> entry, long now)
    {
        if (entry.FailedQueries >= _options.FailuresBeforeBad)
        {
            return NodeState.Bad;
        }

        long freshAfter = now - _freshnessTimestamps;
        return entry.LastResponse > freshAfter || (entry.HasResponded && entry.LastQuery > freshAfter)
            ? NodeState.Good
            : NodeState.Questionable;
    }

    private bool IsGoodInBucket(EntrySlot slot, long now) =>
        slot.Bucket is not null && !slot.InCache && StateOf(ref EntryAt(slot), now) == NodeState.Good;

    private int IndexFor(TKey id) => Math.Min(id.CommonPrefixLength(LocalId), _buckets.Count - 1);

    private Bucket<TKey, TContact> BucketFor(TKey id) => _buckets[IndexFor(id)];

    private Bucket<TKey, TContact> NewBucket(TKey prefix, int depth, long lastChanged) => new(prefix, depth, lastChanged);

    private long ToTimestamps(TimeSpan span) =>
        (long)(span.Ticks * ((double)_timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond));

    private DateTimeOffset ToUtc(long timestamp, long now, DateTimeOffset utcNow) =>
        utcNow - _timeProvider.GetElapsedTime(timestamp, now);

    private RoutingNode<TContact>[] Snapshot(in EntryList<TKey, TContact> list, long now, DateTimeOffset utcNow)
    {
        var entries = list.AsSpan();
        var result = new RoutingNode<TContact>[entries.Length];
        for (int i = 0; i < result.Length; i++)
        {
            ref var e = ref entries[i];
            result[i] = new RoutingNode<TContact>(
                e.Contact,
                StateOf(ref e, now),
                e.HasResponded,
                e.FailedQueries,
                e.LastResponse == RoutingEntry<TKey, TContact>.Never ? null : ToUtc(e.LastResponse, now, utcNow),
                e.LastQuery == RoutingEntry<TKey, TContact>.Never ? null : ToUtc(e.LastQuery, now, utcNow),
                e.Preferred,
                e.RoundTrip == RoutingEntry<TKey, TContact>.Never ? null : _timeProvider.GetElapsedTime(0, e.RoundTrip));
        }

        return result;
    }

    // Where an entry is: its bucket (null when there is none), whether in the replacement cache, and its index there.
    // The constructor is inlined even where the profile calls the path cold (see AddOrUpdateLocked).
    [method: MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly record struct EntrySlot(Bucket<TKey, TContact>? Bucket, bool InCache, int Index);
}
