namespace DhtNet.Routing;

/// <summary>Which nodes <see cref="RoutingTable.FindClosest(NodeId, Span{NodeInfo}, ClosestNodeFilter)"/> may return; bad nodes never are.</summary>
[Flags]
public enum ClosestNodeFilter
{
    /// <summary>Good and questionable nodes.</summary>
    None = 0,

    /// <summary>Only nodes that have answered at least one of our queries.</summary>
    Verified = 1,

    /// <summary>Only nodes that are good now.</summary>
    Good = 2,

    /// <summary>Only nodes whose id passes BEP 42 for their address (exempt ranges pass) — storage targets.</summary>
    SecureId = 4,
}
