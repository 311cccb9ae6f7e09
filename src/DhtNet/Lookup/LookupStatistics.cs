namespace DhtNet.Lookup;

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
public sealed record LookupResult(IReadOnlyList<NodeInfo> ClosestNodes, LookupStatistics Statistics);

/// <summary>
/// One node's answer to a lookup request: the nodes it returned (closer candidates), or
/// <see cref="NoAnswer"/> when it timed out or failed.
/// </summary>
public readonly record struct LookupReply(bool Answered, IReadOnlyList<NodeInfo> Nodes)
{
    public static LookupReply NoAnswer => new(false, []);

    public static LookupReply From(IReadOnlyList<NodeInfo> nodes) => new(true, nodes);
}
