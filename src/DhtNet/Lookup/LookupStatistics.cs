namespace DhtNet.Lookup;

/// <summary>What one lookup cost: requests sent, answered, timed out (or failed), and wall time.</summary>
public readonly record struct LookupStatistics(int Queried, int Answered, int TimedOut, TimeSpan Elapsed);

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
