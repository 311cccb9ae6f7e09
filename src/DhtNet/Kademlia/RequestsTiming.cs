namespace DhtNet.Kademlia;

/// <summary>
/// What a node's requests have measured of the network, for any wire: the round-trip time (RFC 6298
/// SRTT and RTTVAR over the answered copy or try of each request), how often a node that does answer
/// needed more than one copy (the path's loss; dead nodes answer none and do not count), and how
/// often a lookup's requests went unanswered (the dead share of the tables). Lookups start their
/// timeouts from it (<see cref="LookupTimeouts"/>) and widen their alpha by it (<see cref="LookupAlpha"/>):
/// Mainline's <c>Requests</c> and the IPFS node keep one each. Thread-safe.
/// </summary>
internal sealed class RequestsTiming(TimeSpan floor)
{
    // Below this share of lost copies the path counts as clean: one copy's timeout gives a node up.
    private const double MissedLiveNode = 0.01;

    // The loss estimate moves by 1/32 of each sample, so it rests on the last few dozen answers.
    private const double LossGain = 1.0 / 32;

    // The unanswered share moves by 1/8 of each lookup's, so it rests on the last few lookups.
    private const double UnansweredGain = 1.0 / 8;

    // Lookups run at least this many requests at once (the old default, and libtorrent's
    // search_branching): with nobody dead it reaches the closest nodes as fast as more would.
    private const int NarrowAlpha = 5;

    // At this share of unanswered lookup requests a lookup runs at its full alpha (linearly between).
    private const double WideUnanswered = 0.05;

    private readonly object _lock = new();
    private RoundTripEstimator _roundTrips;
    private double _copyLoss;
    private double _unanswered;

    /// <summary>The least retransmission interval and lookup timeout, whatever was measured.</summary>
    public TimeSpan Floor => floor;

    /// <summary>SRTT + 4 RTTVAR (at least <see cref="Floor"/>), or null before the first answer.</summary>
    public TimeSpan? Timeout
    {
        get
        {
            lock (_lock)
            {
                return _roundTrips.HasEstimate ? _roundTrips.Timeout(floor) : null;
            }
        }
    }

    /// <summary>The estimate a new lookup starts from, or null before the first answer.</summary>
    public (TimeSpan Smoothed, TimeSpan Variation)? Estimate
    {
        get
        {
            lock (_lock)
            {
                return _roundTrips.Estimate;
            }
        }
    }

    /// <summary>The share of copies lost on the way to or from a node that answers (0 to 1).</summary>
    public double CopyLoss
    {
        get
        {
            lock (_lock)
            {
                return _copyLoss;
            }
        }
    }

    /// <summary>The share of lookup requests that went unanswered (0 to 1), over the last few lookups.</summary>
    public double Unanswered
    {
        get
        {
            lock (_lock)
            {
                return _unanswered;
            }
        }
    }

    /// <summary>One request was answered: on copy <paramref name="copy"/> (0: the first), in <paramref name="roundTrip"/> from that copy's send.</summary>
    public void Answered(int copy, TimeSpan roundTrip)
    {
        lock (_lock)
        {
            _roundTrips.Sample(roundTrip);
            _copyLoss += LossGain * ((copy > 0 ? 1.0 : 0.0) - _copyLoss);
        }
    }

    /// <summary>A lookup ended: of the <paramref name="asked"/> nodes whose requests it did not abandon, <paramref name="failed"/> answered nothing in time.</summary>
    public void LookupCompleted(int asked, int failed)
    {
        if (asked <= 0)
        {
            return;
        }

        lock (_lock)
        {
            _unanswered += UnansweredGain * ((Math.Clamp(failed, 0, asked) / (double)asked) - _unanswered);
        }
    }

    /// <summary>
    /// How many copies a lookup waits for before it gives a request up: 1 on a clean path (loss
    /// measured at most <see cref="MissedLiveNode"/>), else all <paramref name="attempts"/>. Waiting
    /// for just enough copies at the measured loss (7 at a third lost, for a 0.1 % chance of missing a
    /// live node) still lost 7.5 % of the 2,000-node lookups at 20 % loss: the closest nodes are
    /// each a chance to miss, and the estimate moves.
    /// </summary>
    public int CopiesToCover(int attempts) => IsClean ? 1 : Math.Max(1, attempts);

    /// <summary>Whether no more than one copy in a hundred to a live node was lost lately.</summary>
    public bool IsClean => CopyLoss <= MissedLiveNode;

    /// <summary>
    /// How a lookup starting now times its requests: from this estimate, giving a request up after
    /// as many timeouts as <paramref name="copiesSpacedByTimeout"/> copies need (see <see cref="CopiesToCover"/>).
    /// </summary>
    public RoundTripTimeouts LookupTimeouts(int copiesSpacedByTimeout)
    {
        var estimate = Estimate;
        return new RoundTripTimeouts
        {
            InitialRoundTrip = estimate?.Smoothed,
            InitialVariation = estimate?.Variation,
            Floor = floor,
            GiveUpFactor = CopiesToCover(copiesSpacedByTimeout),
        };
    }

    /// <summary>
    /// The alpha a lookup starting now runs with, at most <paramref name="alpha"/>: 5 while lookups
    /// find every node they ask alive, widening linearly to <paramref name="alpha"/> as the share of
    /// unanswered requests reaches 5 %. Wide lookups pay for themselves only with dead nodes among the
    /// closest (they ask the next ones while a dead one is being given up); with nobody dead they
    /// ask nodes a narrow lookup never needs (33 datagrams a lookup at 8 against 22 at 5, simulated).
    /// A lookup past its soft timeouts widens further on its own: a late request frees its slot.
    /// </summary>
    public int LookupAlpha(int alpha)
    {
        if (alpha <= NarrowAlpha)
        {
            return alpha;
        }

        double wide = Math.Min(1, Unanswered / WideUnanswered);
        return NarrowAlpha + (int)Math.Ceiling((alpha - NarrowAlpha) * wide);
    }
}
