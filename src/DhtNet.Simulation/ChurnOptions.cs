namespace DhtNet.Simulation;

/// <summary>Nodes leaving and joining a <see cref="DhtSimulation"/> over a stretch of virtual time (see <see cref="DhtSimulation.Churn"/>).</summary>
public sealed record ChurnOptions
{
    /// <summary>How long the churn lasts (virtual time).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Share of the nodes online at the start that leave per minute, unannounced (they stay in tables).</summary>
    public double LeavesPerMinute { get; init; }

    /// <summary>New nodes per minute, as a share of the nodes online at the start; each joins the ordinary way (bootstrap, self-lookup).</summary>
    public double JoinsPerMinute { get; init; }

    /// <summary>
    /// True: the clock runs through <see cref="Duration"/> with the events spread over it, so tables
    /// refresh, ping and evict as they do in a running network. False: all the leaves and joins of the
    /// duration happen at once, with no time for tables to notice (each join still runs its own bootstrap).
    /// </summary>
    public bool Refresh { get; init; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Duration, TimeSpan.Zero, nameof(Duration));
        ArgumentOutOfRangeException.ThrowIfNegative(LeavesPerMinute, nameof(LeavesPerMinute));
        ArgumentOutOfRangeException.ThrowIfNegative(JoinsPerMinute, nameof(JoinsPerMinute));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LeavesPerMinute, 1, nameof(LeavesPerMinute));
    }
}
