namespace DhtNet.Kademlia;

/// <summary>Asks one node about the lookup's target; completes with its answer or <see cref="LookupReply{TContact}.NoAnswer"/>.</summary>
public delegate Task<LookupReply<TContact>> LookupRequest<TContact>(TContact node, CancellationToken cancellationToken);

/// <summary>How an iterative lookup walks toward its target.</summary>
public sealed record LookupOptions
{
    /// <summary>The number of closest nodes a lookup converges on (Kademlia's k; BEP 5 uses 8, libp2p 20).</summary>
    public int K { get; init; } = 8;

    /// <summary>Requests in flight at once (Kademlia's alpha).</summary>
    public int Alpha { get; init; } = 5;

    /// <summary>
    /// After this long an unanswered request stops holding one of the <see cref="Alpha"/> slots, so a
    /// slow node does not stall the lookup; its answer is still used if it arrives before the
    /// request's own timeout.
    /// </summary>
    public TimeSpan SoftTimeout { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// Timeouts from measured round-trip times (RFC 6298's SRTT + 4 RTTVAR over this lookup's
    /// answers, started from <see cref="RoundTripTimeouts.InitialRoundTrip"/>): a request is past its soft timeout at
    /// the lesser of that and <see cref="SoftTimeout"/>, and is given up (counted as failed for
    /// convergence, so a dead node among the closest does not hold the lookup for the whole request
    /// timeout) at <see cref="RoundTripTimeouts.GiveUpFactor"/> times it. A late answer is still used. Null: the soft
    /// timeout is fixed and the lookup waits for every request's own outcome. On a lossy path the
    /// give-up time must cover the retransmissions a live node's answer may need (Mainline sets the
    /// factor from its measured loss and spaces its copies by the same timeout).
    /// </summary>
    public RoundTripTimeouts? Adaptive { get; init; }

    /// <summary>
    /// For each node among the closest that failed or was given up, this many more answered nodes
    /// past <see cref="K"/> before the lookup is done (at most K more). Answers carry K nodes, dead
    /// ones among them, so a live node ranked just past K is named by nobody who knows every closer
    /// node; a few more answers from nodes whose tables differ make up for the crowded ones, and the
    /// lookup also waits for the answers still due (requests not past their soft timeout) before it is
    /// done, asking no farther node meanwhile: farther nodes name it. Zero: done at the K closest live nodes.
    /// </summary>
    public int ExtraPerFailure { get; init; }

    /// <summary>Most candidates remembered; farther ones are dropped first.</summary>
    public int MaxCandidates { get; init; } = 256;

    /// <summary>Most requests one lookup sends, whatever happens.</summary>
    public int MaxQueries { get; init; } = 1_000;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentOutOfRangeException.ThrowIfLessThan(Alpha, 1, nameof(Alpha));
        ArgumentOutOfRangeException.ThrowIfLessThan(SoftTimeout, TimeSpan.Zero, nameof(SoftTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCandidates, K, nameof(MaxCandidates));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueries, 1, nameof(MaxQueries));
        ArgumentOutOfRangeException.ThrowIfNegative(ExtraPerFailure, nameof(ExtraPerFailure));
        Adaptive?.Validate();
    }
}

/// <summary>How a lookup turns measured round-trip times into timeouts (see <see cref="LookupOptions.Adaptive"/>).</summary>
public sealed record RoundTripTimeouts
{
    /// <summary>
    /// The network's round-trip time as the caller knows it (for example the median of its routing
    /// table's last answers) before this lookup has measured any; null: until the first answer the
    /// lookup uses <see cref="LookupOptions.SoftTimeout"/> and gives nothing up.
    /// </summary>
    public TimeSpan? InitialRoundTrip { get; init; }

    /// <summary>The variation that goes with <see cref="InitialRoundTrip"/> (RTTVAR); null: half of it, as for a first sample.</summary>
    public TimeSpan? InitialVariation { get; init; }

    /// <summary>
    /// No timeout is shorter than this (TCP's minimum RTO plays the same part): jitter in a fast
    /// network would otherwise turn live nodes into given-up ones.
    /// </summary>
    public TimeSpan Floor { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// A request frees its slot once it is later than SRTT + this many RTTVAR (at most the full
    /// timeout, SRTT + 4 RTTVAR, and at most <see cref="LookupOptions.SoftTimeout"/>): a late answer
    /// still counts, but the lookup goes on meanwhile.
    /// </summary>
    public double SoftVariations { get; init; } = 2;

    /// <summary>A request is given up after this many timeouts (SRTT + 4 RTTVAR each; the copies a lossy path needs).</summary>
    public double GiveUpFactor { get; init; } = 1;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Floor, TimeSpan.Zero, nameof(Floor));
        if (!(SoftVariations >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(SoftVariations), SoftVariations, "SoftVariations must be at least 0.");
        }

        if (!(GiveUpFactor >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(GiveUpFactor), GiveUpFactor, "GiveUpFactor must be at least 1.");
        }

        if (InitialRoundTrip is { } initial)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero, nameof(InitialRoundTrip));
        }

        if (InitialVariation is { } variation)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(variation, TimeSpan.Zero, nameof(InitialVariation));
        }
    }
}

/// <summary>
/// What one lookup cost: requests sent, answered, not answered (<see cref="TimedOut"/>: timed out,
/// failed, or still out when the lookup ended), and wall time. Queried = Answered + TimedOut.
/// </summary>
public readonly record struct LookupStatistics(int Queried, int Answered, int TimedOut, TimeSpan Elapsed)
{
    /// <summary>
    /// Of <see cref="TimedOut"/>, the requests still out when the lookup had converged: abandoned,
    /// not failed. TimedOut - Abandoned is the number of nodes that really did not answer.
    /// </summary>
    public int Abandoned { get; init; }
}

/// <summary>The outcome of a lookup: the closest nodes that answered, closest first, and its cost.</summary>
public sealed record LookupResult<TContact>(IReadOnlyList<TContact> ClosestNodes, LookupStatistics Statistics);

/// <summary>
/// One node's answer to a lookup request: the nodes it returned (closer candidates), or
/// <see cref="NoAnswer"/> when it timed out or failed.
/// </summary>
public readonly record struct LookupReply<TContact>(bool Answered, IReadOnlyList<TContact> Nodes)
{
    public static LookupReply<TContact> NoAnswer => new(false, []);

    public static LookupReply<TContact> From(IReadOnlyList<TContact> nodes) => new(true, nodes);
}
