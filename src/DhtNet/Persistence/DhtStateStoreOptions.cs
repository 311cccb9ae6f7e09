namespace DhtNet.Persistence;

/// <summary>How often a state store writes, and how much it holds in memory before it does.</summary>
public sealed class DhtStateStoreOptions
{
    /// <summary>
    /// How often recorded changes are written, in one transaction. 5 seconds by default: after a
    /// crash a node restarts with everything recorded longer ago than this.
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most distinct entries waiting for the next write. A change to an entry already waiting
    /// replaces the older change in place (so a stalled disk never makes one entry cost twice);
    /// a change to a new entry past this bound is dropped and counted in
    /// <see cref="IDhtStateStore.DroppedChanges"/>. 200,000 by default (a few tens of MiB),
    /// far above what a busy node changes in one interval.
    /// </summary>
    public int MaxPendingChanges { get; init; } = 200_000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FlushInterval, TimeSpan.Zero, nameof(FlushInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingChanges, 1, nameof(MaxPendingChanges));
    }
}
