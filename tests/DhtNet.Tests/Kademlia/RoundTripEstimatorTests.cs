using DhtNet.Kademlia;

namespace DhtNet.Tests.Kademlia;

/// <summary>RFC 6298's SRTT/RTTVAR arithmetic, which lookup timeouts and the table's network estimate share.</summary>
public class RoundTripEstimatorTests
{
    [Fact]
    public void Sample_FirstThenSecond_FollowsRfc6298()
    {
        var estimator = default(RoundTripEstimator);
        Assert.False(estimator.HasEstimate);
        estimator.Sample(TimeSpan.FromMilliseconds(100));
        Assert.Equal(TimeSpan.FromMilliseconds(100), estimator.Smoothed);
        Assert.Equal(TimeSpan.FromMilliseconds(50), estimator.Variation);
        Assert.Equal(TimeSpan.FromMilliseconds(300), estimator.Timeout(TimeSpan.Zero));

        estimator.Sample(TimeSpan.FromMilliseconds(200));
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5.
        Assert.Equal(TimeSpan.FromMilliseconds(62.5), estimator.Variation);
        Assert.Equal(TimeSpan.FromMilliseconds(112.5), estimator.Smoothed);
        Assert.Equal(TimeSpan.FromMilliseconds(362.5), estimator.Timeout(TimeSpan.FromMilliseconds(150)));
        Assert.Equal(TimeSpan.FromSeconds(1), estimator.Timeout(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Sample_ZeroOrNegative_Ignored()
    {
        var estimator = default(RoundTripEstimator);
        estimator.Sample(TimeSpan.Zero);
        estimator.Sample(TimeSpan.FromMilliseconds(-5));
        Assert.False(estimator.HasEstimate);
    }
}
