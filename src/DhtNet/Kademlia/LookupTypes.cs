namespace DhtNet.Kademlia;

/// <summary>Asks one node about the lookup's target; completes with its answer or <see cref="LookupReply{TContact}.NoAnswer"/>.</summary>
public delegate Task<LookupReply<TContact>> LookupRequest<TContact>(TContact node, CancellationToken cancellationToken);

/// <summary>How an iterative lookup walks toward its target.</summary>
public sealed record LookupOptions
{
    /// <summary>The number of closest nodes a lookup converges on (Kademlia's k; BEP 5 uses 8, libp2p 20).</summary>
    public int K { get; init; } = 8;

    /// <summary>Requests in flight at once (Kademlia's alpha).</summary>
    public int Alpha { get; init; } = 5;

    /// <summary>
    /// After this long an unanswered request stops holding one of the <see cref="Alpha"/> slots, so a
    /// slow node does not stall the lookup; its answer is still used if it arrives before the
    /// request's own timeout.
    /// </summary>
    public TimeSpan SoftTimeout { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>Most candidates remembered; farther ones are dropped first.</summary>
    public int MaxCandidates { get; init; } = 256;

    /// <summary>Most requests one lookup sends, whatever happens.</summary>
    public int MaxQueries { get; init; } = 1_000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentOutOfRangeException.ThrowIfLessThan(Alpha, 1, nameof(Alpha));
        ArgumentOutOfRangeException.ThrowIfLessThan(SoftTimeout, TimeSpan.Zero, nameof(SoftTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCandidates, K, nameof(MaxCandidates));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueries, 1, nameof(MaxQueries));
    }
}

/// <summary>
/// What one lookup cost: requests sent, answered, not answered (<see cref="TimedOut"/>: timed out,
/// failed, or still out when the lookup ended), and wall time. Queried = Answered + TimedOut.
/// </summary>
public readonly record struct LookupStatistics(int Queried, int Answered, int TimedOut, TimeSpan Elapsed)
{
    /// <summary>
    /// Of <see cref="TimedOut"/>, the requests still out when the lookup had converged: abandoned,
    /// not failed. TimedOut - Abandoned is the number of nodes that really did not answer.
    /// </summary>
    public int Abandoned { get; init; }
}

/// <summary>The outcome of a lookup: the closest nodes that answered, closest first, and its cost.</summary>
public sealed record LookupResult<TContact>(IReadOnlyList<TContact> ClosestNodes, LookupStatistics Statistics);

/// <summary>
/// One node's answer to a lookup request: the nodes it returned (closer candidates), or
/// <see cref="NoAnswer"/> when it timed out or failed.
/// </summary>
public readonly record struct LookupReply<TContact>(bool Answered, IReadOnlyList<TContact> Nodes)
{
    public static LookupReply<TContact> NoAnswer => new(false, []);

    public static LookupReply<TContact> From(IReadOnlyList<TContact> nodes) => new(true, nodes);
}
