namespace DhtNet.Ipfs.Providers;

/// <summary>Bounds and lifetimes of a <see cref="ProviderStore"/>.</summary>
public sealed class ProviderStoreOptions
{
    /// <summary>Keys (multihashes) kept at most; the least recently used key makes room.</summary>
    public int MaxKeys { get; init; } = 65_536;

    /// <summary>Providers kept per key; the one announced longest ago makes room.</summary>
    public int MaxProvidersPerKey { get; init; } = 256;

    /// <summary>Addresses kept per provider; the rest of an announcement is dropped.</summary>
    public int MaxAddressesPerProvider { get; init; } = 16;

    /// <summary>Estimated bytes kept at most over all keys.</summary>
    public long MaxBytes { get; init; } = 64L << 20;

    /// <summary>Provide Validity: a record is served for 48 h after its last announcement.</summary>
    public TimeSpan ProviderLifetime { get; init; } = TimeSpan.FromHours(48);

    /// <summary>Provider Addresses TTL: addresses are served with the record for 24 h, then the id alone.</summary>
    public TimeSpan AddressLifetime { get; init; } = TimeSpan.FromHours(24);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxKeys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxProvidersPerKey, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAddressesPerProvider, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProviderLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(AddressLifetime, TimeSpan.Zero);
    }
}
