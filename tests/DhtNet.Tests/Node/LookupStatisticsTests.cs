namespace DhtNet.Tests.Node;

/// <summary>What a node's lookup statistics say: requests left out at convergence are abandoned, not timed out.</summary>
public class LookupStatisticsTests
{
    [Theory]
    [InlineData(3, false)]
    [InlineData(8, false)]
    [InlineData(3, true)]
    [InlineData(8, true)]
    public async Task QueryAsync_NoLoss_EveryUnansweredRequestWasAbandoned(int alpha, bool adaptive)
    {
        await using var swarm = SimulatedSwarm.Create(150, seed: 81);
        var node = swarm.StartNode(swarm.Template with
        {
            Alpha = alpha,
            AdaptiveTimeouts = adaptive,
            NodeId = NodeId.Random(swarm.Random),
            BootstrapNodes = swarm.PickBootstrap(),
        });
        // With fixed timeouts no request frees its slot in time to add to the alpha out at the end;
        // adaptive ones free it once later than SRTT + 2 RTTVAR, so a few more can be out (still abandoned).
        int most = adaptive ? 2 * alpha : alpha - 1;
        int abandoned = 0;
        for (int i = 0; i < 20; i++)
        {
            var statistics = swarm.Run(node.QueryAsync(NodeId.Random(swarm.Random))).Statistics;
            Assert.Equal(statistics.Queried, statistics.Answered + statistics.TimedOut);
            Assert.Equal(statistics.TimedOut, statistics.Abandoned);
            Assert.True(statistics.Abandoned <= most, statistics.ToString());
            abandoned += statistics.Abandoned;
        }

        // With alpha requests in flight, some are still out when the lookup converges.
        Assert.True(abandoned > 0);
    }

    [Fact]
    public async Task QueryAsync_DeadNodes_CountedAsTimedOutNotAbandoned()
    {
        await using var swarm = SimulatedSwarm.Create(60, seed: 82);
        var node = swarm.Nodes[0];
        var target = NodeId.Random(swarm.Random);
        // The three nodes closest to the target vanish without a word.
        foreach (var dead in swarm.Nodes.Where(n => n != node).OrderBy(n => n.Id.Xor(target)).Take(3).ToList())
        {
            swarm.Network.SetLinkLossRate(node.LocalEndPoints[0], dead.LocalEndPoints[0], 1.0);
        }

        var statistics = swarm.Run(node.QueryAsync(target)).Statistics;
        Assert.True(statistics.TimedOut - statistics.Abandoned >= 3, statistics.ToString());
    }
}
