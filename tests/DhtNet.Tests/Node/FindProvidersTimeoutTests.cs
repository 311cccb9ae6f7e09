namespace DhtNet.Tests.Node;

public class FindProvidersTimeoutTests
{
    [Fact]
    public async Task FindProvidersAsync_NetworkGoesSilent_EndsAtTimeoutAndReportsTheLookup()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 31);
        var asker = swarm.Nodes[7];
        var completed = new List<LookupCompletedEventArgs>();
        asker.LookupCompleted += (_, e) => completed.Add(e);
        swarm.Network.LossRate = 1.0; // nobody answers any more
        var started = swarm.Clock.Elapsed;

        var found = swarm.Collect(asker.FindProvidersAsync(NodeId.Random(swarm.Random), maxProviders: 5, timeout: TimeSpan.FromSeconds(1)));

        Assert.Empty(found);
        Assert.Equal(TimeSpan.FromSeconds(1), swarm.Clock.Elapsed - started);
        var lookup = Assert.Single(completed);
        Assert.Equal("findprovs", lookup.Operation);
        Assert.True(lookup.Statistics.Queried > 0);
        Assert.Equal(0, lookup.Statistics.Answered);
    }
}
