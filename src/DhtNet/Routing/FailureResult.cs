namespace DhtNet.Routing;

/// <summary>The result of <see cref="RoutingTable.RecordFailure"/>; <see cref="Promoted"/> is the replacement that moved into the bucket, if any.</summary>
public readonly record struct FailureResult(FailureOutcome Outcome, NodeInfo? Promoted = null);
