namespace DhtNet.Kademlia;

/// <summary>The mutable record the table keeps per node (in a bucket or a replacement cache); guarded by the table's lock.</summary>
internal sealed class RoutingEntry<TKey, TContact>(TContact contact, bool preferred)
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    /// <summary>Timestamp meaning "never"; the virtual clock starts at 0, so 0 cannot mean never.</summary>
    public const long Never = long.MinValue;

    // Kept apart from the contact so that distance comparisons never call through an interface.
    public TKey Id { get; } = contact.Id;

    /// <summary>Replaced by a newer sighting at the same address (same key, same address, perhaps fresher details).</summary>
    public TContact Contact { get; set; } = contact;

    public bool Preferred { get; } = preferred;

    public long LastResponse { get; set; } = Never;

    public long LastQuery { get; set; } = Never;

    public bool HasResponded { get; set; }

    public int FailedQueries { get; set; }

    public long PingRequested { get; set; } = Never;

    /// <summary>Round-trip time of the last answer in timestamp units; <see cref="Never"/> when unknown.</summary>
    public long RoundTrip { get; set; } = Never;

    public bool InCache { get; set; }

    /// <summary>Last time it answered or queried us; <see cref="Never"/> for unverified entries.</summary>
    public long LastActivity => Math.Max(LastResponse, LastQuery);
}

/// <summary>One k-bucket: keys sharing the first <see cref="Depth"/> bits of <see cref="Prefix"/>; guarded by the table's lock.</summary>
internal sealed class Bucket<TKey, TContact>(TKey prefix, int depth, long lastChanged, int capacity, int cacheCapacity)
    where TKey : struct, IKademliaKey<TKey>
    where TContact : IKademliaContact<TKey>
{
    public TKey Prefix { get; set; } = prefix;

    public int Depth { get; set; } = depth;

    public long LastChanged { get; set; } = lastChanged;

    public List<RoutingEntry<TKey, TContact>> Nodes { get; } = new(capacity);

    /// <summary>Oldest first, so the newest are kept when it overflows.</summary>
    public List<RoutingEntry<TKey, TContact>> Replacements { get; } = new(cacheCapacity);
}
