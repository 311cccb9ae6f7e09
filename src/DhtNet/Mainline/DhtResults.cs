using DhtNet.Kademlia;

namespace DhtNet.Mainline;

/// <summary>The answer to <see cref="DhtNode.QueryAsync"/>: the closest nodes found, closest first, and what the lookup cost.</summary>
public sealed record QueryResult(IReadOnlyList<NodeInfo> Nodes, LookupStatistics Statistics);

/// <summary>The answer to one infohash of <see cref="DhtNode.ProvideAsync(NodeId, int?, CancellationToken)"/>.</summary>
/// <param name="InfoHash">What was announced.</param>
/// <param name="Stored">How many nodes accepted the announce.</param>
/// <param name="Statistics">The get_peers lookup that found the nodes and their tokens.</param>
public sealed record ProvideResult(NodeId InfoHash, int Stored, LookupStatistics Statistics);

/// <summary>A lookup finished: what it was for and what it cost (for progress displays and metrics).</summary>
public sealed class LookupCompletedEventArgs(string operation, NodeId target, LookupStatistics statistics) : EventArgs
{
    /// <summary>"query", "findpeer", "findprovs", "provide", "get", "put", "bootstrap" or "refresh".</summary>
    public string Operation { get; } = operation;

    public NodeId Target { get; } = target;

    public LookupStatistics Statistics { get; } = statistics;
}
