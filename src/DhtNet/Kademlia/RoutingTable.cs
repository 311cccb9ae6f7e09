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
    private readonly TimeProvider _timeProvider;
    private readonly RoutingTableOptions _options;
    private readonly IRoutingPolicy<TKey, TContact> _policy;
    private readonly Random _random;
    private readonly long _freshnessTimestamps; // FreshnessInterval in the time provider's timestamp units

    // Bucket i < last holds the keys that share exactly i leading bits with ours; the last bucket holds
    // those sharing at least (Count - 1) bits, our own key's range. So a key's bucket is found in O(1).
    private readonly List<Bucket<TKey, TContact>> _buckets = [];
    private readonly Dictionary<TKey, RoutingEntry<TKey, TContact>> _byId = [];
    private readonly Dictionary<TContact, RoutingEntry<TKey, TContact>>? _byAddress;
    private int _count;

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
        _byAddress = policy.AddressComparer is { } comparer ? new Dictionary<TContact, RoutingEntry<TKey, TContact>>(comparer) : null;
        _buckets.Add(NewBucket(default, 0, timeProvider.GetTimestamp()));
    }

    /// <summary>Our key; the table is organised around it. A new key needs a new table (<see cref="Export"/> then <see cref="Import"/>).</summary>
    public TKey LocalId { get; }

    /// <summary>The rules this table admits contacts by.</summary>
    public IRoutingPolicy<TKey, TContact> Policy => _policy;

    /// <summary>The most buckets a table can have: one per bit of the key space.</summary>
    public static int MaxBuckets => TKey.Bits;

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
                return _byId.Count - _count;
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
            if (!_byId.TryGetValue(id, out var entry))
            {
                return new(FailureOutcome.Unknown);
            }

            entry.FailedQueries++;
            entry.PingRequested = RoutingEntry<TKey, TContact>.Never;
            if (entry.FailedQueries < _options.FailuresBeforeBad)
            {
                return new(FailureOutcome.Counted);
            }

            var bucket = BucketFor(id);
            if (entry.InCache)
            {
                bucket.Replacements.Remove(entry);
                Unindex(entry);
                return new(FailureOutcome.Removed);
            }

            long now = _timeProvider.GetTimestamp();
            var replacement = BestReplacement(bucket, now);
            if (replacement is null)
            {
                return new(FailureOutcome.Bad);
            }

            bucket.Replacements.Remove(replacement);
            replacement.InCache = false;
            bucket.Nodes[bucket.Nodes.IndexOf(entry)] = replacement;
            Unindex(entry);
            _count++; // the promoted entry was indexed as a cache entry, not counted
            bucket.LastChanged = now;
            return new(FailureOutcome.Replaced, replacement.Contact);
        }
    }

    /// <summary>Removes a node from its bucket (a waiting replacement takes its place) or from a replacement cache.</summary>
    public bool Remove(TKey id)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var entry))
            {
                return false;
            }

            FillFromCache(Detach(entry), _timeProvider.GetTimestamp());
            return true;
        }
    }

    /// <summary>The current state of a node in a bucket or replacement cache.</summary>
    public bool TryGetState(TKey id, out NodeState state)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(id, out var entry))
            {
                state = StateOf(entry, _timeProvider.GetTimestamp());
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
            return _byId.TryGetValue(id, out var entry) && !entry.InCache;
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
                foreach (var entry in bucket.Nodes)
                {
                    var state = StateOf(entry, now);
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

        switch (_policy.Check(ref contact))
        {
            case ContactCheck.Usable:
                break;
            case ContactCheck.OtherAddressFamily:
                return new(AddOutcome.RejectedAddressFamily);
            default:
                return new(AddOutcome.RejectedAddress);
        }

        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            _byId.TryGetValue(id, out var sameId);
            if (sameId is not null && (_byAddress is null || _byAddress.Comparer.Equals(sameId.Contact, contact)))
            {
                sameId.Contact = contact;
                return Update(sameId, how, now, roundTrip);
            }

            RoutingEntry<TKey, TContact>? sameAddress = null;
            _byAddress?.TryGetValue(contact, out sameAddress);
            if (IsGoodInBucket(sameId, now) || IsGoodInBucket(sameAddress, now))
            {
                return new(AddOutcome.RejectedConflict);
            }

            var admission = _policy.Admit(contact);
            if (admission == ContactAdmission.Refused)
            {
                return new(AddOutcome.RejectedByFilter);
            }

            // The stale entries give way; their buckets take a waiting replacement if the newcomer lands elsewhere.
            var vacated1 = Detach(sameId);
            var vacated2 = Detach(sameAddress);
            var entry = new RoutingEntry<TKey, TContact>(contact, admission == ContactAdmission.Preferred);
            Touch(entry, how, now, roundTrip);
            var result = Insert(entry, now);
            FillFromCache(vacated1, now);
            FillFromCache(vacated2, now);
            return result;
        }
    }

    private AddResult<TContact> Update(RoutingEntry<TKey, TContact> entry, NodeContact how, long now, long roundTrip)
    {
        Touch(entry, how, now, roundTrip);
        if (!entry.InCache)
        {
            if (how == NodeContact.Responded)
            {
                BucketFor(entry.Id).LastChanged = now;
            }

            return new(AddOutcome.Updated);
        }

        // A waiting candidate moves to the newest end of its cache, and in if a slot has opened.
        var bucket = BucketFor(entry.Id);
        bucket.Replacements.Remove(entry);
        bucket.Replacements.Add(entry);
        if (bucket.Nodes.Count < _options.BucketSize)
        {
            bucket.Replacements.Remove(entry);
            entry.InCache = false;
            bucket.Nodes.Add(entry);
            _count++;
            bucket.LastChanged = now;
            return new(AddOutcome.Added);
        }

        return how == NodeContact.Seen ? new(AddOutcome.Updated) : WithPing(AddOutcome.Updated, bucket, now);
    }

    private AddResult<TContact> Insert(RoutingEntry<TKey, TContact> entry, long now)
    {
        while (true)
        {
            int index = IndexFor(entry.Id);
            var bucket = _buckets[index];
            if (bucket.Nodes.Count < _options.BucketSize)
            {
                bucket.Nodes.Add(entry);
                Index(entry);
                bucket.LastChanged = now;
                return new(AddOutcome.Added);
            }

            if (index == _buckets.Count - 1 && _buckets.Count < MaxBuckets)
            {
                Split(now);
                continue;
            }

            var bad = WorstBad(bucket, now);
            if (bad is not null)
            {
                bucket.Nodes[bucket.Nodes.IndexOf(bad)] = entry;
                Unindex(bad);
                Index(entry);
                bucket.LastChanged = now;
                return new(AddOutcome.ReplacedBad);
            }

            if (_options.ReplacementCacheSize == 0)
            {
                return WithPing(AddOutcome.Cached, bucket, now);
            }

            if (bucket.Replacements.Count >= _options.ReplacementCacheSize)
            {
                var oldest = bucket.Replacements[0];
                bucket.Replacements.RemoveAt(0);
                Unindex(oldest);
            }

            entry.InCache = true;
            bucket.Replacements.Add(entry);
            Index(entry);
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
        MoveFar(own.Nodes, far.Nodes, depth);
        MoveFar(own.Replacements, far.Replacements, depth);
        _buckets.Insert(_buckets.Count - 1, far);
        FillFromCache(far, now);
        FillFromCache(own, now);
    }

    private void MoveFar(List<RoutingEntry<TKey, TContact>> from, List<RoutingEntry<TKey, TContact>> to, int depth)
    {
        for (int i = 0; i < from.Count; i++)
        {
            if (from[i].Id.CommonPrefixLength(LocalId) == depth)
            {
                to.Add(from[i]);
                from.RemoveAt(i--);
            }
        }
    }

    // Hands out the least recently active questionable node that has no ping outstanding.
    private AddResult<TContact> WithPing(AddOutcome outcome, Bucket<TKey, TContact> bucket, long now)
    {
        RoutingEntry<TKey, TContact>? oldest = null;
        foreach (var node in bucket.Nodes)
        {
            if (StateOf(node, now) == NodeState.Questionable
                && (node.PingRequested == RoutingEntry<TKey, TContact>.Never || _timeProvider.GetElapsedTime(node.PingRequested, now) >= _options.PingTimeout)
                && (oldest is null || node.LastActivity < oldest.LastActivity))
            {
                oldest = node;
            }
        }

        if (oldest is null)
        {
            return new(outcome);
        }

        oldest.PingRequested = now;
        return new(outcome, oldest.Contact, true);
    }

    // The bad node to replace first: most failures, then least recently active.
    private RoutingEntry<TKey, TContact>? WorstBad(Bucket<TKey, TContact> bucket, long now)
    {
        RoutingEntry<TKey, TContact>? worst = null;
        foreach (var node in bucket.Nodes)
        {
            if (StateOf(node, now) == NodeState.Bad
                && (worst is null || node.FailedQueries > worst.FailedQueries
                    || (node.FailedQueries == worst.FailedQueries && node.LastActivity < worst.LastActivity)))
            {
                worst = node;
            }
        }

        return worst;
    }

    // The candidate to promote: good before questionable, verified before unverified, then the newest.
    private RoutingEntry<TKey, TContact>? BestReplacement(Bucket<TKey, TContact> bucket, long now)
    {
        RoutingEntry<TKey, TContact>? best = null;
        int bestRank = int.MaxValue;
        for (int i = bucket.Replacements.Count - 1; i >= 0; i--)
        {
            var candidate = bucket.Replacements[i];
            int rank = StateOf(candidate, now) switch
            {
                NodeState.Good => 0,
                NodeState.Questionable when candidate.HasResponded => 1,
                NodeState.Questionable => 2,
                _ => 3,
            };
            if (rank < bestRank && rank < 3)
            {
                best = candidate;
                bestRank = rank;
            }
        }

        return best;
    }

    private void FillFromCache(Bucket<TKey, TContact>? bucket, long now)
    {
        while (bucket is not null && bucket.Nodes.Count < _options.BucketSize && BestReplacement(bucket, now) is { } promoted)
        {
            bucket.Replacements.Remove(promoted);
            promoted.InCache = false;
            bucket.Nodes.Add(promoted);
            _count++;
            bucket.LastChanged = now;
        }
    }

    // Takes an entry out of its bucket or cache and the indexes; returns the bucket it left.
    private Bucket<TKey, TContact>? Detach(RoutingEntry<TKey, TContact>? entry)
    {
        if (entry is null)
        {
            return null;
        }

        var bucket = BucketFor(entry.Id);
        if (entry.InCache)
        {
            bucket.Replacements.Remove(entry);
            Unindex(entry);
            return null;
        }

        bucket.Nodes.Remove(entry);
        Unindex(entry);
        return bucket;
    }

    private void Index(RoutingEntry<TKey, TContact> entry)
    {
        _byId.Add(entry.Id, entry);
        _byAddress?.Add(entry.Contact, entry);
        if (!entry.InCache)
        {
            _count++;
        }
    }

    private void Unindex(RoutingEntry<TKey, TContact> entry)
    {
        _byId.Remove(entry.Id);
        _byAddress?.Remove(entry.Contact);
        if (!entry.InCache)
        {
            _count--;
        }
    }

    private static void Touch(RoutingEntry<TKey, TContact> entry, NodeContact how, long now, long roundTrip)
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
    private NodeState StateOf(RoutingEntry<TKey, TContact> entry, long now)
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

    private bool IsGoodInBucket(RoutingEntry<TKey, TContact>? entry, long now) =>
        entry is not null && !entry.InCache && StateOf(entry, now) == NodeState.Good;

    private int IndexFor(TKey id) => Math.Min(id.CommonPrefixLength(LocalId), _buckets.Count - 1);

    private Bucket<TKey, TContact> BucketFor(TKey id) => _buckets[IndexFor(id)];

    private Bucket<TKey, TContact> NewBucket(TKey prefix, int depth, long lastChanged) =>
        new(prefix, depth, lastChanged, _options.BucketSize, _options.ReplacementCacheSize);

    private long ToTimestamps(TimeSpan span) =>
        (long)(span.Ticks * ((double)_timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond));

    private DateTimeOffset ToUtc(long timestamp, long now, DateTimeOffset utcNow) =>
        utcNow - _timeProvider.GetElapsedTime(timestamp, now);

    private RoutingNode<TContact>[] Snapshot(List<RoutingEntry<TKey, TContact>> entries, long now, DateTimeOffset utcNow)
    {
        var result = new RoutingNode<TContact>[entries.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var e = entries[i];
            result[i] = new RoutingNode<TContact>(
                e.Contact,
                StateOf(e, now),
                e.HasResponded,
                e.FailedQueries,
                e.LastResponse == RoutingEntry<TKey, TContact>.Never ? null : ToUtc(e.LastResponse, now, utcNow),
                e.LastQuery == RoutingEntry<TKey, TContact>.Never ? null : ToUtc(e.LastQuery, now, utcNow),
                e.Preferred,
                e.RoundTrip == RoutingEntry<TKey, TContact>.Never ? null : _timeProvider.GetElapsedTime(0, e.RoundTrip));
        }

        return result;
    }
}
