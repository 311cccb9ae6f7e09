namespace DhtNet.Routing;

/// <summary>What <see cref="RoutingTable.AddOrUpdate"/> did with a node.</summary>
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
    /// <see cref="AddResult.PingCandidate"/>, ping that node and report the answer.
    /// </summary>
    Cached,

    /// <summary>The id is our own.</summary>
    RejectedSelf,

    /// <summary>The endpoint is of the other address family than this table's.</summary>
    RejectedAddressFamily,

    /// <summary>The endpoint cannot be a node: port 0, unspecified, broadcast or multicast address.</summary>
    RejectedEndPoint,

    /// <summary>
    /// The id is known at another endpoint, or the endpoint under another id, and that entry is good;
    /// a good entry is not displaced by an unverified claim.
    /// </summary>
    RejectedConflict,

    /// <summary>Refused by BEP 42 enforcement or the admission filter of <see cref="RoutingTableOptions"/>.</summary>
    RejectedByFilter,
}
