namespace DhtNet.Routing;

/// <summary>What <see cref="RoutingTable.RecordFailure"/> did.</summary>
public enum FailureOutcome
{
    /// <summary>The node is not in the table (nor in a replacement cache).</summary>
    Unknown,

    /// <summary>Failure counted; not yet bad. BEP 5 suggests asking once more before giving up.</summary>
    Counted,

    /// <summary>The node is bad but stays until a newcomer takes its place (no replacement was waiting).</summary>
    Bad,

    /// <summary>The node was bad and was evicted; <see cref="FailureResult.Promoted"/> took its place.</summary>
    Replaced,

    /// <summary>The node was waiting in a replacement cache and was dropped from it.</summary>
    Removed,
}
