namespace DhtNet.Ipfs.Blocks;

/// <summary>Bounds of a <see cref="BlockStore"/>: when either is reached the least recently used blocks make room.</summary>
public sealed class BlockStoreOptions
{
    /// <summary>Most blocks kept.</summary>
    public int MaxBlocks { get; init; } = 4096;

    /// <summary>Most bytes of block data kept.</summary>
    public long MaxBytes { get; init; } = 64L << 20;

    /// <summary>The largest block taken (kubo's limit for a block: 1 MiB).</summary>
    public int MaxBlockSize { get; init; } = 1 << 20;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBlocks, 1, nameof(MaxBlocks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBlockSize, 1, nameof(MaxBlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, MaxBlockSize, nameof(MaxBytes));
    }
}
