namespace DhtNet.Routing;

/// <summary>How we heard from a node, which decides what <see cref="RoutingTable.AddOrUpdate"/> learns from it.</summary>
public enum NodeContact
{
    /// <summary>It answered one of our queries: it is alive and reachable (good for 15 minutes).</summary>
    Responded,

    /// <summary>
    /// It sent us a query. Counts toward goodness only for a node that has responded before. Do not
    /// report senders whose query carries <c>ro=1</c> (BEP 43): serve them, never add them.
    /// </summary>
    Queried,

    /// <summary>Someone else's <c>nodes</c> list named it: unverified, added as questionable.</summary>
    Seen,
}
