namespace DhtNet.Lookup;

/// <summary>How an iterative lookup walks toward its target.</summary>
public sealed record LookupOptions
{
    /// <summary>The number of closest nodes a lookup converges on (Kademlia's k; BEP 5 uses 8).</summary>
    public int K { get; init; } = 8;

    /// <summary>Requests in flight at once (Kademlia's alpha).</summary>
    public int Alpha { get; init; } = 5;

    /// <summary>
    /// After this long an unanswered request stops holding one of the <see cref="Alpha"/> slots, so a
    /// slow node does not stall the lookup; its answer is still used if it arrives before the
    /// request's own timeout.
    /// </summary>
    public TimeSpan SoftTimeout { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>Most candidates remembered; farther ones are dropped first.</summary>
    public int MaxCandidates { get; init; } = 256;

    /// <summary>Most requests one lookup sends, whatever happens.</summary>
    public int MaxQueries { get; init; } = 1_000;

    /// <summary>
    /// For lookups that store data (BEP 42: prefer nodes whose ids match their addresses): the lookup
    /// goes on until the <see cref="K"/> closest nodes that pass this have answered, or the 2K
    /// closest of all have, so that the caller can choose among them. Null: every node counts.
    /// </summary>
    public Func<NodeInfo, bool>? Prefer { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentOutOfRangeException.ThrowIfLessThan(Alpha, 1, nameof(Alpha));
        ArgumentOutOfRangeException.ThrowIfLessThan(SoftTimeout, TimeSpan.Zero, nameof(SoftTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCandidates, K, nameof(MaxCandidates));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueries, 1, nameof(MaxQueries));
    }
}
