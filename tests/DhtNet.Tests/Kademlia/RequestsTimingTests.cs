namespace DhtNet.Tests.Kademlia;

/// <summary>What a node's requests measured, turned into lookup timeouts and alpha (Mainline's Requests and the IPFS node share it).</summary>
public sealed class RequestsTimingTests
{
    private static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(150);

    [Fact]
    public void LookupTimeouts_NothingMeasured_NoInitialEstimateAndOneCopy()
    {
        var timeouts = new RequestsTiming(Floor).LookupTimeouts(4);
        Assert.Null(timeouts.InitialRoundTrip);
        Assert.Equal(Floor, timeouts.Floor);
        Assert.Equal(1, timeouts.GiveUpFactor);
    }

    [Fact]
    public void LookupTimeouts_AfterAnswers_StartFromTheEstimate()
    {
        var timing = new RequestsTiming(Floor);
        timing.Answered(0, TimeSpan.FromMilliseconds(100));
        var timeouts = timing.LookupTimeouts(4);
        Assert.Equal(TimeSpan.FromMilliseconds(100), timeouts.InitialRoundTrip);
        Assert.Equal(TimeSpan.FromMilliseconds(50), timeouts.InitialVariation);
    }

    [Fact]
    public void LookupTimeouts_LiveNodesNeedSecondCopies_GiveUpAfterEveryCopy()
    {
        var timing = new RequestsTiming(Floor);
        for (int i = 0; i < 10; i++)
        {
            timing.Answered(i % 2, TimeSpan.FromMilliseconds(100));
        }

        Assert.False(timing.IsClean);
        Assert.Equal(4, timing.LookupTimeouts(4).GiveUpFactor);
    }

    [Theory]
    [InlineData(0.0, 8, 5)]
    [InlineData(0.025, 8, 7)]
    [InlineData(0.05, 8, 8)]
    [InlineData(0.5, 8, 8)]
    [InlineData(0.5, 3, 3)]
    public void LookupAlpha_UnansweredShare_WidensFromFiveToTheMost(double unanswered, int alpha, int expected)
    {
        var timing = new RequestsTiming(Floor);
        // Many lookups with the same share: the moving average settles on it.
        for (int i = 0; i < 200; i++)
        {
            timing.LookupCompleted(1000, (int)(unanswered * 1000));
        }

        Assert.Equal(unanswered, timing.Unanswered, 3);
        Assert.Equal(expected, timing.LookupAlpha(alpha));
    }

    [Fact]
    public void LookupCompleted_NothingAsked_ChangesNothing()
    {
        var timing = new RequestsTiming(Floor);
        timing.LookupCompleted(10, 10);
        double before = timing.Unanswered;
        timing.LookupCompleted(0, 0);
        timing.LookupCompleted(-3, 5);
        Assert.Equal(before, timing.Unanswered);
        Assert.True(before > 0);
    }
}
