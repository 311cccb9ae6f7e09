namespace DhtNet.Kademlia;

/// <summary>What became of one request we sent to a node.</summary>
public enum RequestStatus
{
    /// <summary>The node answered under the key we know it by: alive and reachable.</summary>
    Answered,

    /// <summary>No answer within the request's timeout: counts toward the node going bad.</summary>
    TimedOut,

    /// <summary>
    /// The request says nothing about the node: it could not be sent, was cancelled or abandoned, the
    /// node answered with an error, or someone else answered under another key. The table is left alone.
    /// </summary>
    Inconclusive,
}

/// <summary>
/// The outcome of one request, as the request layer reports it to the routing table through
/// <see cref="RoutingTable{TKey, TContact}.Report"/> or <see cref="RoutingUpkeep{TKey, TContact}.Report"/>:
/// every request, exactly once.
/// </summary>
public readonly record struct RequestOutcome(RequestStatus Status, TimeSpan RoundTrip)
{
    /// <summary>The node answered after <paramref name="roundTrip"/>.</summary>
    public static RequestOutcome Answered(TimeSpan roundTrip) => new(RequestStatus.Answered, roundTrip);

    /// <summary>The node did not answer in time.</summary>
    public static RequestOutcome TimedOut => new(RequestStatus.TimedOut, TimeSpan.Zero);

    /// <summary>The request says nothing about the node.</summary>
    public static RequestOutcome Inconclusive => new(RequestStatus.Inconclusive, TimeSpan.Zero);
}

/// <summary>
/// What a report changed that the caller acts on: a node that took a bucket slot (the reported one,
/// or a replacement promoted over a failed one) and a questionable node to ping before it may be
/// evicted for a newcomer.
/// </summary>
public readonly record struct RoutingChange<TContact>(bool HasNewNode, TContact? NewNode, bool HasPingCandidate, TContact? PingCandidate)
{
    /// <summary>Nothing to act on.</summary>
    public static RoutingChange<TContact> None => default;
}
