namespace DhtNet.Kademlia;

/// <summary>Settings of a <see cref="RoutingTable{TKey, TContact}"/>; address and admission rules belong to its <see cref="IRoutingPolicy{TKey, TContact}"/>.</summary>
public sealed class RoutingTableOptions
{
    /// <summary>Nodes per bucket, Kademlia's K (default 8 as BEP 5; libp2p uses 20).</summary>
    public int BucketSize { get; init; } = 8;

    /// <summary>Candidates kept per bucket while it is full (default 8); the newest are kept.</summary>
    public int ReplacementCacheSize { get; init; } = 8;

    /// <summary>
    /// BEP 5's 15 minutes: how long a response keeps a node good, and how long a bucket may go
    /// unchanged before it is due for refresh.
    /// </summary>
    public TimeSpan FreshnessInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed queries in a row that make a node bad (default 2: BEP 5 suggests one retry).</summary>
    public int FailuresBeforeBad { get; init; } = 2;

    /// <summary>
    /// How long a node handed out as <see cref="AddResult{TContact}.PingCandidate"/> is not handed out
    /// again while the caller's ping is outstanding (default 15 s).
    /// </summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Source of the random refresh targets (default <see cref="System.Random.Shared"/>); seed it in tests.</summary>
    public Random? Random { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BucketSize, 1, nameof(BucketSize));
        ArgumentOutOfRangeException.ThrowIfNegative(ReplacementCacheSize, nameof(ReplacementCacheSize));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FreshnessInterval, TimeSpan.Zero, nameof(FreshnessInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailuresBeforeBad, 1, nameof(FailuresBeforeBad));
        ArgumentOutOfRangeException.ThrowIfLessThan(PingTimeout, TimeSpan.Zero, nameof(PingTimeout));
    }
}
