namespace DhtNet.Ipfs.Records;

/// <summary>Bounds and lifetime of a <see cref="RecordStore"/>.</summary>
public sealed class RecordStoreOptions
{
    /// <summary>Records kept at most; the least recently used makes room.</summary>
    public int MaxRecords { get; init; } = 65_536;

    /// <summary>Key and value bytes kept at most; the least recently used make room.</summary>
    public long MaxBytes { get; init; } = 64L << 20;

    /// <summary>How long a received record is served: 48 h, the longest any IPNS record lives on the DHT.</summary>
    public TimeSpan MaxRecordAge { get; init; } = TimeSpan.FromHours(48);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxRecordAge, TimeSpan.Zero);
    }
}
