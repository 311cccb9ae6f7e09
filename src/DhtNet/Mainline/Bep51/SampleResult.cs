namespace DhtNet.Mainline.Bep51;

/// <summary>One node's BEP 51 answer to sample_infohashes: a sample of the infohashes it stores, and nodes near the target.</summary>
/// <param name="Interval">Seconds before the node's sample changes; ask it again no sooner.</param>
/// <param name="Num">How many infohashes the node stores in all.</param>
/// <param name="Samples">The sample (at most what fits in one datagram).</param>
/// <param name="Nodes">Nodes close to the target, of the address family the node was asked over.</param>
public sealed record SampleResult(int Interval, int Num, IReadOnlyList<NodeId> Samples, IReadOnlyList<NodeInfo> Nodes)
{
    /// <summary>The node that answered.</summary>
    public NodeInfo Responder { get; init; }
}
