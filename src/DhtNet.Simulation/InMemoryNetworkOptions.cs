namespace DhtNet.Simulation;

/// <summary>Settings for <see cref="InMemoryNetwork"/>: delay, loss and the seed that makes a run repeatable.</summary>
public sealed class InMemoryNetworkOptions
{
    /// <summary>Fixed one-way delay of every datagram.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Extra delay drawn uniformly from [0, Jitter] per datagram; non-zero jitter reorders datagrams.</summary>
    public TimeSpan Jitter { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Extra one-way delay per link, from a quantile drawn once per pair of endpoints (see
    /// <see cref="Simulation.LinkLatency"/>); added to <see cref="Latency"/> and the jitter. Null: every link alike.
    /// </summary>
    public Func<double, TimeSpan>? LinkLatency { get; set; }

    /// <summary>Probability in [0, 1] that a datagram is lost.</summary>
    public double LossRate { get; set; }

    /// <summary>Seed for loss and jitter draws; the same seed and the same sends give the same run.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Datagrams longer than this are dropped by the network, as a real path MTU would.</summary>
    public int MaxDatagramSize { get; set; } = UdpTransportOptions.DefaultMaxDatagramSize;

    /// <summary>Datagrams waiting for delivery at most; sends beyond it are dropped (the queue is bounded).</summary>
    public int MaxInFlight { get; set; } = 1_000_000;

    /// <summary>Port given to transports whose address the network picks.</summary>
    public int DefaultPort { get; set; } = 6881;
}
