namespace DhtNet.Persistence;

/// <summary>
/// The caps a node applies to what it restores, so that its in-memory limits hold right after a
/// restart even when the file holds more (a smaller cap configured, or a file from another node).
/// Pass the same numbers the node's tables and stores are configured with.
/// </summary>
public sealed class DhtStateLimits
{
    /// <summary>Most contacts restored; the most recently seen are kept.</summary>
    public int MaxContacts { get; init; } = 10_000;

    /// <summary>Most announced peers restored in all; the latest-expiring are kept.</summary>
    public int MaxPeers { get; init; } = 1_000_000;

    /// <summary>Most announced peers restored for one infohash; the latest-expiring are kept.</summary>
    public int MaxPeersPerInfoHash { get; init; } = 2_000;

    /// <summary>Most BEP 44 items restored; the latest-expiring are kept.</summary>
    public int MaxItems { get; init; } = 100_000;

    /// <summary>Most provider records restored in all; the latest-expiring are kept.</summary>
    public int MaxProviders { get; init; } = 1_000_000;

    /// <summary>Most provider records restored for one key; the latest-expiring are kept.</summary>
    public int MaxProvidersPerKey { get; init; } = 2_000;

    /// <summary>Most value records restored; the latest-expiring are kept.</summary>
    public int MaxRecords { get; init; } = 100_000;

    /// <summary>Most of our own publications restored; the soonest due are kept.</summary>
    public int MaxPublications { get; init; } = 100_000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxContacts, nameof(MaxContacts));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPeers, nameof(MaxPeers));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPeersPerInfoHash, nameof(MaxPeersPerInfoHash));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxItems, nameof(MaxItems));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxProviders, nameof(MaxProviders));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxProvidersPerKey, nameof(MaxProvidersPerKey));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRecords, nameof(MaxRecords));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPublications, nameof(MaxPublications));
    }
}
