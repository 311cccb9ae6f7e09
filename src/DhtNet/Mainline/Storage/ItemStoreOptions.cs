using DhtNet.Mainline.Bep44;

namespace DhtNet.Mainline.Storage;

/// <summary>Limits and lifetime of an <see cref="ItemStore"/>.</summary>
internal sealed class ItemStoreOptions
{
    /// <summary>How long an item is kept after its last put. BEP 44: items MAY expire after 2 hours, and are re-put hourly.</summary>
    public TimeSpan ItemLifetime { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Most items kept; at the limit the least recently put item makes room. 10,000 by default.</summary>
    public int MaxItems { get; init; } = 10_000;

    /// <summary>
    /// Bound on the estimated managed memory of the items, in bytes; least recently put items make
    /// room. 16 MiB by default (10,000 items of the largest size take about 13 MiB).
    /// </summary>
    public long MaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Largest bencoded <c>v</c> accepted, in bytes (BEP 44: 1000; error 205 above it).</summary>
    public int MaxValueSize { get; init; } = ItemRules.MaxValueSize;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ItemLifetime, TimeSpan.Zero, nameof(ItemLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxItems, 1, nameof(MaxItems));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxValueSize, 1, nameof(MaxValueSize));
        long largest = ItemStore.EstimateItemBytes(MaxValueSize + ItemRules.MaxSaltSize + ItemRules.PublicKeySize + ItemRules.SignatureSize);
        if (MaxBytes < largest)
        {
            throw new ArgumentOutOfRangeException(
                nameof(MaxBytes), MaxBytes, $"MaxBytes must hold at least one item of the largest size ({largest} bytes).");
        }
    }
}
