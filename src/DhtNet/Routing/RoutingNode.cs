namespace DhtNet.Routing;

/// <summary>A snapshot of one routing-table entry.</summary>
/// <param name="Node">Id and endpoint.</param>
/// <param name="State">Good, questionable or bad at the time of the snapshot.</param>
/// <param name="Verified">It has answered at least one of our queries.</param>
/// <param name="FailedQueries">Queries in a row it failed to answer.</param>
/// <param name="LastResponse">When it last answered us, if ever.</param>
/// <param name="LastQuery">When it last queried us, if ever.</param>
/// <param name="SecureId">Its id passes BEP 42 for its address (or the address is exempt).</param>
public sealed record RoutingNode(
    NodeInfo Node,
    NodeState State,
    bool Verified,
    int FailedQueries,
    DateTimeOffset? LastResponse,
    DateTimeOffset? LastQuery,
    bool SecureId);
