using System.Net;
using System.Net.Sockets;
using DhtNet.Security;

namespace DhtNet.Routing;

/// <summary>
/// The BEP 5 routing table for one address family (BEP 32: a dual-stack node holds one per family,
/// with the same id). Buckets of K nodes; only the bucket covering our own id splits. A full bucket
/// keeps a bounded replacement cache and asks the caller, through <see cref="AddResult.PingCandidate"/>,
/// to ping its least recently seen questionable node; a node that fails
/// <see cref="RoutingTableOptions.FailuresBeforeBad"/> queries in a row is bad and gives way.
/// </summary>
/// <remarks>
/// Nodes enter only through <see cref="AddOrUpdate"/> and <see cref="Import"/>; nothing is added as a
/// side effect of another call. A sender whose query carries <c>ro=1</c> (BEP 43) is served but must
/// not be passed to <see cref="AddOrUpdate"/>. An endpoint claimed under a new id, or an id seen at a
/// new endpoint, replaces the old entry unless that entry is good (then the claim is refused with
/// <see cref="AddOutcome.RejectedConflict"/>), so a spoofed packet cannot displace a live node.
/// Size is bounded: at most 160 buckets of <see cref="RoutingTableOptions.BucketSize"/> nodes plus
/// <see cref="RoutingTableOptions.ReplacementCacheSize"/> candidates each. All members are thread-safe.
/// </remarks>
public sealed partial class RoutingTable
{
    private readonly object _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly RoutingTableOptions _options;
    private readonly Random _random;
    private readonly long _freshnessTimestamps; // FreshnessInterval in the time provider's timestamp units

    // Bucket i < last holds the ids that share exactly i leading bits with ours; the last bucket holds
    // those sharing at least (Count - 1) bits, our own id's range. So an id's bucket is found in O(1).
    private readonly List<Bucket> _buckets = new();
    private readonly Dictionary<NodeId, RoutingEntry> _byId = new();
    private readonly Dictionary<IPEndPoint, RoutingEntry> _byEndPoint = new();
    private int _count;

    public RoutingTable(NodeId localId, AddressFamily addressFamily, TimeProvider timeProvider, RoutingTableOptions? options = null)
    {
        if (addressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("A routing table is for IPv4 or IPv6.", nameof(addressFamily));
        }

        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options ?? new RoutingTableOptions();
        _options.Validate();
        LocalId = localId;
        AddressFamily = addressFamily;
        _timeProvider = timeProvider;
        _random = _options.Random ?? Random.Shared;
        _freshnessTimestamps = (long)(_options.FreshnessInterval.Ticks * ((double)timeProvider.TimestampFrequency / TimeSpan.TicksPerSecond));
        _buckets.Add(NewBucket(NodeId.Zero, 0, timeProvider.GetTimestamp()));
    }

    /// <summary>Our node id; the table is organised around it. A new id needs a new table (<see cref="Export"/> then <see cref="Import"/>).</summary>
    public NodeId LocalId { get; }

    /// <summary>The address family of every endpoint in this table.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>The most buckets a table can have: one per bit of the id space.</summary>
    public static int MaxBuckets => NodeId.Bits;

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

    /// <summary>A snapshot of the buckets, nearest our id last.</summary>
    public IReadOnlyList<BucketInfo> Buckets
    {
        get
        {
            lock (_lock)
            {
                long now = _timeProvider.GetTimestamp();
                var utcNow = _timeProvider.GetUtcNow();
                var result = new BucketInfo[_buckets.Count];
                for (int i = 0; i < result.Length; i++)
                {
                    var bucket = _buckets[i];
                    result[i] = new BucketInfo(
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
    /// Records contact with a node: adds it, updates it, or parks it in its bucket's replacement cache.
    /// When the result has a <see cref="AddResult.PingCandidate"/>, ping it and report the outcome.
    /// Do not call this for senders of <c>ro=1</c> queries.
    /// </summary>
    public AddResult AddOrUpdate(NodeInfo node, NodeContact how)
    {
        ArgumentNullException.ThrowIfNull(node.EndPoint);
        if (how is not (NodeContact.Responded or NodeContact.Queried or NodeContact.Seen))
        {
            throw new ArgumentOutOfRangeException(nameof(how));
        }

        if (node.Id == LocalId)
        {
            return new(AddOutcome.RejectedSelf);
        }

        var endPoint = node.EndPoint;
        if (endPoint.Address.IsIPv4MappedToIPv6 && AddressFamily == AddressFamily.InterNetwork)
        {
            endPoint = endPoint.Unmapped();
            node = node with { EndPoint = endPoint };
        }

        if (endPoint.AddressFamily != AddressFamily)
        {
            return new(AddOutcome.RejectedAddressFamily);
        }

        if (!IsUsable(endPoint))
        {
            return new(AddOutcome.RejectedEndPoint);
        }

        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            _byId.TryGetValue(node.Id, out var sameId);
            if (sameId is not null && sameId.EndPoint.Equals(endPoint))
            {
                return Update(sameId, how, now);
            }

            _byEndPoint.TryGetValue(endPoint, out var sameEndPoint);
            if (IsGoodInBucket(sameId, now) || IsGoodInBucket(sameEndPoint, now))
            {
                return new(AddOutcome.RejectedConflict);
            }

            bool secure = NodeIdSecurity.IsAcceptable(node.Id, endPoint.Address);
            if ((_options.EnforceNodeIdSecurity && !secure) || (_options.AdmissionFilter is { } filter && !filter(node)))
            {
                return new(AddOutcome.RejectedByFilter);
            }

            // The stale entries give way; their buckets take a waiting replacement if the newcomer lands elsewhere.
            var vacated1 = Detach(sameId);
            var vacated2 = Detach(sameEndPoint);
            var entry = new RoutingEntry(node.Id, endPoint, secure);
            Touch(entry, how, now);
            var result = Insert(entry, now);
            FillFromCache(vacated1, now);
            FillFromCache(vacated2, now);
            return result;
        }
    }

    /// <summary>
    /// Records that a node did not answer one of our queries. After
    /// <see cref="RoutingTableOptions.FailuresBeforeBad"/> failures in a row it is bad: evicted in favour
    /// of the best waiting replacement if there is one, else kept (unused) until a newcomer replaces it.
    /// </summary>
    public FailureResult RecordFailure(NodeId id)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(id, out var entry))
            {
                return new(FailureOutcome.Unknown);
            }

            entry.FailedQueries++;
            entry.PingRequested = RoutingEntry.Never;
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
            return new(FailureOutcome.Replaced, replacement.Info);
        }
    }

    /// <summary>Removes a node from its bucket (a waiting replacement takes its place) or from a replacement cache.</summary>
    public bool Remove(NodeId id)
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
    public bool TryGetState(NodeId id, out NodeState state)
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
    public bool Contains(NodeId id)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(id, out var entry) && !entry.InCache;
        }
    }

    /// <summary>
    /// Buckets unchanged for <see cref="RoutingTableOptions.FreshnessInterval"/>, each with a random id
    /// in its range to look up. Not marked: call <see cref="MarkRefreshed"/> when the lookup starts.
    /// </summary>
    public IReadOnlyList<BucketRefresh> GetBucketsToRefresh()
    {
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            List<BucketRefresh>? due = null;
            foreach (var bucket in _buckets)
            {
                if (_timeProvider.GetElapsedTime(bucket.LastChanged, now) >= _options.FreshnessInterval)
                {
                    (due ??= new()).Add(new BucketRefresh(RandomIdIn(bucket.Prefix, bucket.Depth), bucket.Prefix, bucket.Depth));
                }
            }

            return due ?? (IReadOnlyList<BucketRefresh>)Array.Empty<BucketRefresh>();
        }
    }

    /// <summary>Marks the bucket containing <paramref name="target"/> as changed now.</summary>
    public void MarkRefreshed(NodeId target)
    {
        lock (_lock)
        {
            BucketFor(target).LastChanged = _timeProvider.GetTimestamp();
        }
    }

    /// <summary>The nodes worth saving: not bad, good ones first, then the most recently active.</summary>
    public IReadOnlyList<NodeInfo> Export()
    {
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            var ranked = new List<(bool Good, long Activity, NodeInfo Node)>(_count);
            foreach (var bucket in _buckets)
            {
                foreach (var entry in bucket.Nodes)
                {
                    var state = StateOf(entry, now);
                    if (state != NodeState.Bad)
                    {
                        ranked.Add((state == NodeState.Good, entry.LastActivity, entry.Info));
                    }
                }
            }

            ranked.Sort(static (a, b) => a.Good != b.Good ? (a.Good ? -1 : 1) : b.Activity.CompareTo(a.Activity));
            var result = new NodeInfo[ranked.Count];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = ranked[i].Node;
            }

            return result;
        }
    }

    /// <summary>
    /// Adds saved nodes as unverified (<see cref="NodeContact.Seen"/>): questionable until they answer,
    /// so the caller should ping them before trusting them. Returns how many went into buckets.
    /// </summary>
    public int Import(IEnumerable<NodeInfo> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        int added = 0;
        foreach (var node in nodes)
        {
            if (node.EndPoint is not null && AddOrUpdate(node, NodeContact.Seen).Outcome is AddOutcome.Added or AddOutcome.ReplacedBad)
            {
                added++;
            }
        }

        return added;
    }

    private AddResult Update(RoutingEntry entry, NodeContact how, long now)
    {
        Touch(entry, how, now);
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

        return new(AddOutcome.Updated, how == NodeContact.Seen ? null : RequestPing(bucket, now));
    }

    private AddResult Insert(RoutingEntry entry, long now)
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
                return new(AddOutcome.Cached, RequestPing(bucket, now));
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
            return new(AddOutcome.Cached, RequestPing(bucket, now));
        }
    }

    // Splits the last bucket (our own range) in two: the half away from our id becomes a new bucket
    // just before it, the half with our id stays last.
    private void Split(long now)
    {
        var own = _buckets[^1];
        int depth = own.Depth;
        var far = NewBucket(KeepPrefix(LocalId, depth + 1).WithBit(depth, !LocalId.GetBit(depth)), depth + 1, own.LastChanged);
        own.Prefix = KeepPrefix(LocalId, depth + 1);
        own.Depth = depth + 1;
        MoveFar(own.Nodes, far.Nodes, depth);
        MoveFar(own.Replacements, far.Replacements, depth);
        _buckets.Insert(_buckets.Count - 1, far);
        FillFromCache(far, now);
        FillFromCache(own, now);
    }

    private void MoveFar(List<RoutingEntry> from, List<RoutingEntry> to, int depth)
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
    private NodeInfo? RequestPing(Bucket bucket, long now)
    {
        RoutingEntry? oldest = null;
        foreach (var node in bucket.Nodes)
        {
            if (StateOf(node, now) == NodeState.Questionable
                && (node.PingRequested == RoutingEntry.Never || _timeProvider.GetElapsedTime(node.PingRequested, now) >= _options.PingTimeout)
                && (oldest is null || node.LastActivity < oldest.LastActivity))
            {
                oldest = node;
            }
        }

        if (oldest is null)
        {
            return null;
        }

        oldest.PingRequested = now;
        return oldest.Info;
    }

    // The bad node to replace first: most failures, then least recently active.
    private RoutingEntry? WorstBad(Bucket bucket, long now)
    {
        RoutingEntry? worst = null;
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
    private RoutingEntry? BestReplacement(Bucket bucket, long now)
    {
        RoutingEntry? best = null;
        int bestRank = int.MaxValue;
        for (int i = bucket.Replacements.Count - 1; i >= 0; i--)
        {
            var candidate = bucket.Replacements[i];
            var state = StateOf(candidate, now);
            int rank = state switch
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

    private void FillFromCache(Bucket? bucket, long now)
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
    private Bucket? Detach(RoutingEntry? entry)
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

    private void Index(RoutingEntry entry)
    {
        _byId.Add(entry.Id, entry);
        _byEndPoint.Add(entry.EndPoint, entry);
        if (!entry.InCache)
        {
            _count++;
        }
    }

    private void Unindex(RoutingEntry entry)
    {
        _byId.Remove(entry.Id);
        _byEndPoint.Remove(entry.EndPoint);
        if (!entry.InCache)
        {
            _count--;
        }
    }

    private static void Touch(RoutingEntry entry, NodeContact how, long now)
    {
        switch (how)
        {
            case NodeContact.Responded:
                entry.LastResponse = now;
                entry.HasResponded = true;
                entry.FailedQueries = 0;
                entry.PingRequested = RoutingEntry.Never;
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
    private NodeState StateOf(RoutingEntry entry, long now)
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

    private bool IsGoodInBucket(RoutingEntry? entry, long now) =>
        entry is not null && !entry.InCache && StateOf(entry, now) == NodeState.Good;

    private int IndexFor(NodeId id) => Math.Min(id.CommonPrefixLength(LocalId), _buckets.Count - 1);

    private Bucket BucketFor(NodeId id) => _buckets[IndexFor(id)];

    private Bucket NewBucket(NodeId prefix, int depth, long lastChanged) =>
        new(prefix, depth, lastChanged, _options.BucketSize, _options.ReplacementCacheSize);

    private static bool IsUsable(IPEndPoint endPoint)
    {
        if (endPoint.Port == 0)
        {
            return false;
        }

        var address = endPoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast;
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.Broadcast) && (bytes[0] & 0xf0) != 0xe0;
    }

    private DateTimeOffset ToUtc(long timestamp, long now, DateTimeOffset utcNow) =>
        utcNow - _timeProvider.GetElapsedTime(timestamp, now);

    private RoutingNode[] Snapshot(List<RoutingEntry> entries, long now, DateTimeOffset utcNow)
    {
        var result = new RoutingNode[entries.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var e = entries[i];
            result[i] = new RoutingNode(
                e.Info,
                StateOf(e, now),
                e.HasResponded,
                e.FailedQueries,
                e.LastResponse == RoutingEntry.Never ? null : ToUtc(e.LastResponse, now, utcNow),
                e.LastQuery == RoutingEntry.Never ? null : ToUtc(e.LastQuery, now, utcNow),
                e.SecureId);
        }

        return result;
    }

    // The first `bits` bits of id, the rest zero.
    private static NodeId KeepPrefix(NodeId id, int bits)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        id.WriteTo(bytes);
        ClearAfter(bytes, bits);
        return new NodeId(bytes);
    }

    private NodeId RandomIdIn(NodeId prefix, int depth)
    {
        Span<byte> random = stackalloc byte[NodeId.Size];
        Span<byte> fixedBits = stackalloc byte[NodeId.Size];
        _random.NextBytes(random);
        prefix.WriteTo(fixedBits);
        ClearAfter(fixedBits, depth);
        for (int i = 0; i < NodeId.Size; i++)
        {
            int keep = Math.Clamp(depth - (i * 8), 0, 8);
            byte mask = (byte)(0xff00 >> keep);
            random[i] = (byte)((fixedBits[i] & mask) | (random[i] & ~mask));
        }

        return new NodeId(random);
    }

    private static void ClearAfter(Span<byte> bytes, int bits)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(bits - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xff00 >> keep);
        }
    }
}
