namespace DhtNet.Routing;

/// <summary>A node's standing as BEP 5 defines it.</summary>
public enum NodeState
{
    /// <summary>Responded to us within the freshness interval, or has responded before and queried us within it.</summary>
    Good,

    /// <summary>Neither good nor bad: inactive for the freshness interval, or never verified.</summary>
    Questionable,

    /// <summary>Failed to respond to several of our queries in a row.</summary>
    Bad,
}
