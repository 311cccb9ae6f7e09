namespace DhtNet.Routing;

/// <summary>
/// A snapshot of one bucket: the ids whose first <see cref="Depth"/> bits equal those of
/// <see cref="Prefix"/> (the bits after them are zero), its nodes and its replacement cache.
/// </summary>
public sealed record BucketInfo(
    NodeId Prefix,
    int Depth,
    DateTimeOffset LastChanged,
    IReadOnlyList<RoutingNode> Nodes,
    IReadOnlyList<RoutingNode> Replacements)
{
    /// <summary>True when <paramref name="id"/> falls in this bucket's range.</summary>
    public bool Contains(NodeId id) => id.CommonPrefixLength(Prefix) >= Depth;
}
