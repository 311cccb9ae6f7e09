namespace DhtNet.Mainline.Krpc;

/// <summary>Settings of a <see cref="KrpcDispatcher"/>.</summary>
internal sealed class KrpcDispatcherOptions
{
    public const int DefaultMaxPendingQueries = 4096;

    private readonly int _maxPendingQueries = DefaultMaxPendingQueries;

    /// <summary>
    /// Most queries awaiting an answer at once (1..32768, default 4096); beyond it
    /// <see cref="KrpcDispatcher.SendQueryAsync(KrpcQuery, System.Net.IPEndPoint, TimeSpan, bool, CancellationToken)"/> fails fast with <see cref="KrpcResultStatus.TooManyPending"/>.
    /// </summary>
    public int MaxPendingQueries
    {
        get => _maxPendingQueries;
        init => _maxPendingQueries = value is >= 1 and <= 32768
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxPendingQueries), value, "MaxPendingQueries must be 1..32768 (transaction ids are 16 bits).");
    }

    /// <summary>Our <c>v</c> on every message sent (default "DN" + version bytes); empty to send none.</summary>
    public ReadOnlyMemory<byte> Version { get; init; } = KrpcCodec.DefaultVersion;

    /// <summary>BEP 43: mark every query we send <c>ro</c> = 1 (a node that cannot be reached).</summary>
    public bool ReadOnly { get; init; }
}
