namespace DhtNet.Routing;

/// <summary>One k-bucket: ids sharing the first <see cref="Depth"/> bits of <see cref="Prefix"/>; guarded by the table's lock.</summary>
internal sealed class Bucket(NodeId prefix, int depth, long lastChanged, int capacity, int cacheCapacity)
{
    public NodeId Prefix { get; set; } = prefix;

    public int Depth { get; set; } = depth;

    public long LastChanged { get; set; } = lastChanged;

    public List<RoutingEntry> Nodes { get; } = new(capacity);

    /// <summary>Oldest first, so the newest are kept when it overflows.</summary>
    public List<RoutingEntry> Replacements { get; } = new(cacheCapacity);

    public bool Contains(NodeId id) => id.CommonPrefixLength(Prefix) >= Depth;
}
