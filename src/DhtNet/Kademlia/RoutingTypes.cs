namespace DhtNet.Kademlia;

/// <summary>How we heard from a node, which decides what <see cref="RoutingTable{TKey, TContact}.AddOrUpdate"/> learns from it.</summary>
public enum NodeContact
{
    /// <summary>It answered one of our queries: it is alive and reachable (good for the freshness interval).</summary>
    Responded,

    /// <summary>
    /// It sent us a query. Counts toward goodness only for a node that has responded before. Do not
    /// report senders that asked not to be added (BEP 43 <c>ro=1</c>): serve them, never add them.
    /// </summary>
    Queried,

    /// <summary>Someone named it (a saved table, another node's list): unverified, added as questionable.</summary>
    Seen,
}

/// <summary>A node's standing as BEP 5 defines it.</summary>
public enum NodeState
{
    /// <summary>Responded to us within the freshness interval, or has responded before and queried us within it.</summary>
    Good,

    /// <summary>Neither good nor bad: inactive for the freshness interval, or never verified.</summary>
    Questionable,

    /// <summary>Failed to respond to several of our queries in a row.</summary>
    Bad,
}

/// <summary>What <see cref="RoutingTable{TKey, TContact}.AddOrUpdate"/> did with a node.</summary>
public enum AddOutcome
{
    /// <summary>Placed in a bucket that had room (possibly after splitting our own bucket).</summary>
    Added,

    /// <summary>Placed in a full bucket in place of a bad node.</summary>
    ReplacedBad,

    /// <summary>Already known (in a bucket or the replacement cache); its contact times were updated.</summary>
    Updated,

    /// <summary>
    /// Its bucket is full; it waits in the bucket's replacement cache. When the result carries a
    /// <see cref="AddResult{TContact}.PingCandidate"/>, ping that node and report the answer.
    /// </summary>
    Cached,

    /// <summary>The key is our own.</summary>
    RejectedSelf,

    /// <summary>The policy found the address of a family this table does not hold.</summary>
    RejectedAddressFamily,

    /// <summary>The policy found an address that cannot be a node.</summary>
    RejectedAddress,

    /// <summary>
    /// The key is known at another address, or the address under another key, and that entry is good;
    /// a good entry is not displaced by an unverified claim.
    /// </summary>
    RejectedConflict,

    /// <summary>The policy refused admission.</summary>
    RejectedByFilter,
}

/// <summary>
/// The result of <see cref="RoutingTable{TKey, TContact}.AddOrUpdate"/>: what happened, and possibly a
/// questionable node the caller should ping (its answer or timeout is reported like any request's).
/// </summary>
public readonly record struct AddResult<TContact>(AddOutcome Outcome, TContact? PingCandidate = default, bool HasPingCandidate = false)
{
    /// <summary>True when the node is now in a bucket or in a replacement cache.</summary>
    public bool IsKnown => Outcome is AddOutcome.Added or AddOutcome.ReplacedBad or AddOutcome.Updated or AddOutcome.Cached;

    /// <summary>True when the node took a slot in a bucket.</summary>
    public bool IsAdded => Outcome is AddOutcome.Added or AddOutcome.ReplacedBad;
}

/// <summary>What <see cref="RoutingTable{TKey, TContact}.RecordFailure"/> did.</summary>
public enum FailureOutcome
{
    /// <summary>The node is not in the table (nor in a replacement cache).</summary>
    Unknown,

    /// <summary>Failure counted; not yet bad. BEP 5 suggests asking once more before giving up.</summary>
    Counted,

    /// <summary>The node is bad but stays until a newcomer takes its place (no replacement was waiting).</summary>
    Bad,

    /// <summary>The node was bad and was evicted; <see cref="FailureResult{TContact}.Promoted"/> took its place.</summary>
    Replaced,

    /// <summary>The node was waiting in a replacement cache and was dropped from it.</summary>
    Removed,
}

/// <summary>The result of <see cref="RoutingTable{TKey, TContact}.RecordFailure"/>; <see cref="Promoted"/> is the replacement that moved into the bucket when <see cref="Outcome"/> is <see cref="FailureOutcome.Replaced"/>.</summary>
public readonly record struct FailureResult<TContact>(FailureOutcome Outcome, TContact? Promoted = default);

/// <summary>Which nodes <see cref="RoutingTable{TKey, TContact}.FindClosest(TKey, Span{TContact}, ClosestNodeFilter)"/> may return; bad nodes never are.</summary>
[Flags]
public enum ClosestNodeFilter
{
    /// <summary>Good and questionable nodes.</summary>
    None = 0,

    /// <summary>Only nodes that have answered at least one of our queries.</summary>
    Verified = 1,

    /// <summary>Only nodes that are good now.</summary>
    Good = 2,

    /// <summary>Only nodes the policy admitted as <see cref="ContactAdmission.Preferred"/> (Mainline: BEP 42 secure ids).</summary>
    Preferred = 4,
}

/// <summary>
/// A bucket due for refresh: run a lookup for <see cref="Target"/> (a random key inside the bucket)
/// and call <see cref="RoutingTable{TKey, TContact}.MarkRefreshed"/> with it.
/// </summary>
public readonly record struct BucketRefresh<TKey>(TKey Target, TKey Prefix, int Depth);

/// <summary>A snapshot of one routing-table entry.</summary>
/// <param name="Contact">Key and address.</param>
/// <param name="State">Good, questionable or bad at the time of the snapshot.</param>
/// <param name="Verified">It has answered at least one of our queries.</param>
/// <param name="FailedQueries">Queries in a row it failed to answer.</param>
/// <param name="LastResponse">When it last answered us, if ever.</param>
/// <param name="LastQuery">When it last queried us, if ever.</param>
/// <param name="Preferred">The policy admitted it as preferred (Mainline: its id passes BEP 42).</param>
/// <param name="RoundTrip">Round-trip time of its last answer, if it has answered since it was added.</param>
public sealed record RoutingNode<TContact>(
    TContact Contact,
    NodeState State,
    bool Verified,
    int FailedQueries,
    DateTimeOffset? LastResponse,
    DateTimeOffset? LastQuery,
    bool Preferred,
    TimeSpan? RoundTrip);

/// <summary>
/// A snapshot of one bucket: the keys whose first <see cref="Depth"/> bits equal those of
/// <see cref="Prefix"/> (the bits after them are zero), its nodes and its replacement cache.
/// </summary>
public sealed record BucketInfo<TKey, TContact>(
    TKey Prefix,
    int Depth,
    DateTimeOffset LastChanged,
    IReadOnlyList<RoutingNode<TContact>> Nodes,
    IReadOnlyList<RoutingNode<TContact>> Replacements)
    where TKey : struct, IKademliaKey<TKey>
{
    /// <summary>True when <paramref name="key"/> falls in this bucket's range.</summary>
    public bool Contains(TKey key) => key.CommonPrefixLength(Prefix) >= Depth;
}
