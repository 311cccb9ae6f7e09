namespace DhtNet.Simulation;

/// <summary>Settings of a <see cref="DhtSimulation"/>: the simulated network and the nodes' template.</summary>
public sealed record DhtSimulationOptions
{
    /// <summary>Seeds node ids, bootstrap choices, latency jitter and loss, so a run can be repeated.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>One-way delay of every datagram.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Up to this much extra delay, drawn per datagram.</summary>
    public TimeSpan Jitter { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Extra one-way delay per link from a distribution (see <see cref="InMemoryNetworkOptions.LinkLatency"/>); null: none.</summary>
    public Func<double, TimeSpan>? LinkLatency { get; init; }

    /// <summary>Share of datagrams lost (0 to 1).</summary>
    public double LossRate { get; init; }

    /// <summary>
    /// Options every node starts from; the simulation sets the clock and, per node, the id and the
    /// bootstrap list. Default: <see cref="DhtOptions"/> with a 2 s request timeout.
    /// </summary>
    public DhtOptions? NodeTemplate { get; init; }

    /// <summary>How many running nodes (picked at random) a new node bootstraps from.</summary>
    public int BootstrapNodes { get; init; } = 3;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Latency, TimeSpan.Zero, nameof(Latency));
        ArgumentOutOfRangeException.ThrowIfLessThan(Jitter, TimeSpan.Zero, nameof(Jitter));
        if (LossRate is not (>= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LossRate), LossRate, "LossRate must be between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BootstrapNodes, 1, nameof(BootstrapNodes));
    }
}
