namespace DhtNet.Routing;

/// <summary>
/// A bucket due for refresh: run a find_node lookup for <see cref="Target"/> (a random id inside the
/// bucket) and call <see cref="RoutingTable.MarkRefreshed"/> with it.
/// </summary>
public readonly record struct BucketRefresh(NodeId Target, NodeId Prefix, int Depth);
