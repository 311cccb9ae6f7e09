namespace DhtNet.Tests.Simulation;

/// <summary>The IPFS simulator's network models (dead, lying and churning servers) and the IPFS node's lookup timeouts, on a few hundred servers.</summary>
public sealed class IpfsNetworkModelTests
{
    [Fact]
    public void SetLiars_DropQueries_LiarsAnswerNothingAndSearchesStillFindProviders()
    {
        var simulation = new IpfsSimulation(new DhtSimulationOptions { Seed = 21 });
        simulation.AddNodes(150);
        var liars = simulation.SetLiars(0.1, Liar.DropQueries);
        Assert.Equal(15, liars.Count);
        Assert.All(liars, l => Assert.False(simulation.Answers(l)));
        Assert.All(liars, l => Assert.True(simulation.IsOnline(l)));
        var key = new byte[] { 1, 2, 3 };
        Assert.DoesNotContain(simulation.TrueClosest(key, 150), p => liars.Any(l => l.PeerId == p));

        var searches = ProviderSurvey.Run(simulation, 10);
        Assert.True(searches.Count(s => s.FirstProvider is not null) >= 9, "most providers found");
    }

    [Fact]
    public void SetLiars_RandomFarNodes_ClosestPeersLookupStillConverges()
    {
        var simulation = new IpfsSimulation(new DhtSimulationOptions { Seed = 22 });
        simulation.AddNodes(150);
        var liars = simulation.SetLiars(0.1, Liar.RandomFarNodes);
        Assert.All(liars, l => Assert.True(simulation.Answers(l)));

        var searches = ProviderSurvey.Run(simulation, 10);
        Assert.True(searches.Count(s => s.ExactK) >= 8, $"exact {searches.Count(s => s.ExactK)} of 10");
    }

    [Fact]
    public void Churn_WithoutRefresh_LeavesAndJoinsTheRatesAtOnce()
    {
        var simulation = new IpfsSimulation(new DhtSimulationOptions { Seed = 23 });
        simulation.AddNodes(100);
        var keep = simulation.Nodes[0];
        var (left, joined) = simulation.Churn(
            new ChurnOptions { Duration = TimeSpan.FromMinutes(5), LeavesPerMinute = 0.02, JoinsPerMinute = 0.01, Refresh = false }, keep);
        Assert.Equal((10, 5), (left, joined));
        Assert.Equal(105, simulation.Nodes.Count);
        Assert.Equal(95, simulation.Nodes.Count(simulation.IsOnline));
        Assert.True(simulation.IsOnline(keep));
    }

    [Fact]
    public void Churn_WithRefresh_SpreadsOverTheDuration()
    {
        var simulation = new IpfsSimulation(new DhtSimulationOptions { Seed = 24 });
        simulation.AddNodes(60);
        long start = simulation.Clock.GetTimestamp();
        var (left, joined) = simulation.Churn(new ChurnOptions { Duration = TimeSpan.FromMinutes(2), LeavesPerMinute = 0.05, JoinsPerMinute = 0.05 });
        Assert.Equal((6, 6), (left, joined));
        Assert.True(simulation.Clock.GetElapsedTime(start) >= TimeSpan.FromMinutes(2));
        Assert.True(ProviderSurvey.Run(simulation, 5).All(s => s.FirstProvider is not null));
    }

    [Fact]
    public void AdaptiveTimeouts_FifthDead_ClosestPeersLookupsFasterThanFixedAndStillExact()
    {
        // Virtual time: the same network and searches with and without timeouts from measured round trips.
        double Median(bool adaptive, out int exact)
        {
            var simulation = new IpfsSimulation(new DhtSimulationOptions { Seed = 25 }) { AdaptiveTimeouts = adaptive };
            simulation.AddNodes(200);
            simulation.SetOffline(0.2);
            var searches = ProviderSurvey.Run(simulation, 20);
            exact = searches.Count(s => s.ExactK);
            return SurveySummary.Percentile([.. searches.Select(s => s.Lookup.TotalMilliseconds).Order()], 50);
        }

        double fixedMedian = Median(adaptive: false, out int fixedExact);
        double adaptiveMedian = Median(adaptive: true, out int adaptiveExact);
        Assert.True(adaptiveMedian < fixedMedian / 2, $"adaptive {adaptiveMedian} ms, fixed {fixedMedian} ms");
        Assert.True(adaptiveExact >= fixedExact - 1, $"exact: adaptive {adaptiveExact}, fixed {fixedExact} of 20");
    }
}
