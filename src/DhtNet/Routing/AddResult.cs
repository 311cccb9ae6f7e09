namespace DhtNet.Routing;

/// <summary>
/// The result of <see cref="RoutingTable.AddOrUpdate"/>: what happened, and possibly a questionable
/// node the caller should ping (report the answer with <c>AddOrUpdate(node, Responded)</c> or
/// <see cref="RoutingTable.RecordFailure"/>).
/// </summary>
public readonly record struct AddResult(AddOutcome Outcome, NodeInfo? PingCandidate = null)
{
    /// <summary>True when the node is now in a bucket or in a replacement cache.</summary>
    public bool IsKnown => Outcome is AddOutcome.Added or AddOutcome.ReplacedBad or AddOutcome.Updated or AddOutcome.Cached;
}
