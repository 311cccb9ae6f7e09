namespace DhtNet.Kademlia;

/// <summary>
/// A smoothed round-trip time and its variation as TCP keeps them (RFC 6298): the first sample R
/// sets SRTT = R and RTTVAR = R/2, each later one RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R| and then
/// SRTT = 7/8 SRTT + 1/8 R; the timeout is SRTT + 4 RTTVAR. Not thread-safe: the owner's lock guards it.
/// </summary>
internal struct RoundTripEstimator
{
    private double _smoothed; // TimeSpan ticks; 0 until the first sample
    private double _variation;

    /// <summary>Starts from a known estimate (another estimator's, or the caller's guess).</summary>
    public RoundTripEstimator(TimeSpan smoothed, TimeSpan variation)
    {
        _smoothed = smoothed.Ticks;
        _variation = variation.Ticks;
    }

    public readonly bool HasEstimate => _smoothed > 0;

    public readonly TimeSpan Smoothed => TimeSpan.FromTicks((long)_smoothed);

    public readonly TimeSpan Variation => TimeSpan.FromTicks((long)_variation);

    /// <summary>SRTT and RTTVAR, or null before the first sample.</summary>
    public readonly (TimeSpan Smoothed, TimeSpan Variation)? Estimate => HasEstimate ? (Smoothed, Variation) : null;

    /// <summary>SRTT + <paramref name="variations"/> RTTVAR (RFC 6298: 4), at least <paramref name="floor"/>.</summary>
    public readonly TimeSpan Timeout(TimeSpan floor, double variations = 4) =>
        TimeSpan.FromTicks(Math.Max(floor.Ticks, (long)(_smoothed + (variations * _variation))));

    public void Sample(TimeSpan roundTrip)
    {
        double sample = roundTrip.Ticks;
        if (sample <= 0)
        {
            return;
        }

        if (_smoothed <= 0)
        {
            _smoothed = sample;
            _variation = sample / 2;
            return;
        }

        _variation = (0.75 * _variation) + (0.25 * Math.Abs(_smoothed - sample));
        _smoothed = (0.875 * _smoothed) + (0.125 * sample);
    }
}
