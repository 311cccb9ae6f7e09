namespace DhtNet.Kademlia;

/// <summary>Settings of a <see cref="RoutingUpkeep{TKey, TContact}"/>.</summary>
public sealed class RoutingUpkeepOptions
{
    /// <summary>How often stale buckets are refreshed, or bootstrap is retried while the table is empty (default 1 minute).</summary>
    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether the maintenance tick bootstraps again when this table is empty (default true). A
    /// dual-stack node turns it off and decides for its table pair: one family may simply have no
    /// peers, and today's node bootstraps again only when both tables are empty.
    /// </summary>
    public bool BootstrapWhenEmpty { get; init; } = true;

    /// <summary>How bootstrap and refresh lookups walk.</summary>
    public LookupOptions Lookup { get; init; } = new();

    /// <summary>Table seeds per lookup, as a multiple of <see cref="LookupOptions.K"/> (default 2).</summary>
    public int SeedFactor { get; init; } = 2;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaintenanceInterval, TimeSpan.Zero, nameof(MaintenanceInterval));
        ArgumentNullException.ThrowIfNull(Lookup, nameof(Lookup));
        Lookup.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(SeedFactor, 1, nameof(SeedFactor));
    }
}
