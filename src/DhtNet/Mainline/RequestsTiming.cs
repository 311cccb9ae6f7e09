using DhtNet.Kademlia;

namespace DhtNet.Mainline;

/// <summary>
/// What a node's requests have measured of the network: the round-trip time (RFC 6298 SRTT and
/// RTTVAR over the answered copy of each request, so no sample is ambiguous: every copy has its own
/// transaction id) and how often a copy goes unanswered by a node that does answer a later one (the
/// path's loss; dead nodes answer no copy and do not count). <see cref="Requests"/> spaces
/// retransmissions by the timeout this gives, and <see cref="Lookups"/> gives a request up after one
/// of those intervals on a clean path and after every copy's on a lossy one, so both run on one estimate.
/// </summary>
internal sealed class RequestsTiming(TimeSpan floor)
{
    // Below this share of lost copies the path counts as clean: one copy's timeout gives a node up.
    private const double MissedLiveNode = 0.01;

    // The loss estimate moves by 1/32 of each sample, so it rests on the last few dozen answers.
    private const double LossGain = 1.0 / 32;

    private readonly object _lock = new();
    private RoundTripEstimator _roundTrips;
    private double _copyLoss;

    /// <summary>The least retransmission interval and lookup timeout, whatever was measured.</summary>
    public TimeSpan Floor => floor;

    private delegate T Reader<T>(in RoundTripEstimator estimator, TimeSpan floor);

    private T Read<T>(Reader<T> read)
    {
        lock (_lock)
        {
            return read(in _roundTrips, floor);
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

    /// <summary>SRTT + 4 RTTVAR (at least <see cref="Floor"/>), or null before the first answer.</summary>
    public TimeSpan? Timeout => Estimate is null ? null : Read(static (in RoundTripEstimator e, TimeSpan floor) => e.Timeout(floor));

    /// <summary>The estimate a new lookup starts from, or null before the first answer.</summary>
    public (TimeSpan Smoothed, TimeSpan Variation)? Estimate => Read(static (in RoundTripEstimator e, TimeSpan _) => e.Estimate);

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

    /// <summary>
    /// How many copies a lookup waits for before it gives a request up: 1 on a clean path (loss
    /// measured at most <see cref="MissedLiveNode"/>), else all <paramref name="attempts"/>. Waiting
    /// for just enough copies at the measured loss (7 at a third lost, for a 0.1 % chance of missing a
    /// live node) still lost 7.5 % of the 2,000-node lookups at 20 % loss: the closest nodes are
    /// each a chance to miss, and the estimate moves.
    /// </summary>
    public int CopiesToCover(int attempts) => CopyLoss <= MissedLiveNode ? 1 : Math.Max(1, attempts);
}
