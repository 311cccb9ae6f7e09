namespace DhtNet.Tests.Node;

public class RetransmissionTests
{
    [Fact]
    public async Task PingAsync_AllCopiesLost_SendsEachAttemptThenGivesUpAtTimeout()
    {
        await using var swarm = CreateCutPair(seed: 20, queryAttempts: 8);
        var (a, b) = (swarm.Nodes[0], swarm.Nodes[1]);
        long sentBefore = a.Dispatcher!.QueriesSent;
        var started = swarm.Clock.Elapsed;

        var answer = swarm.Run(a.PingAsync(b.LocalEndPoints[0]));

        Assert.Null(answer);
        Assert.Equal(8, a.Dispatcher.QueriesSent - sentBefore);
        Assert.Equal(TimeSpan.FromSeconds(2), swarm.Clock.Elapsed - started);
    }

    [Fact]
    public async Task PingAsync_FirstCopiesLost_LaterCopyAnswers()
    {
        await using var swarm = CreateCutPair(seed: 21, queryAttempts: 4);
        var (a, b) = (swarm.Nodes[0], swarm.Nodes[1]);
        long sentBefore = a.Dispatcher!.QueriesSent;
        var started = swarm.Clock.Elapsed;
        var ping = a.PingAsync(b.LocalEndPoints[0]);
        // Copies go out every 500 ms; let the first two vanish, then heal the link.
        swarm.Clock.Advance(TimeSpan.FromMilliseconds(900));
        swarm.Network.SetLinkLossRate(a.LocalEndPoints[0], b.LocalEndPoints[0], null);

        var answer = swarm.Run(ping);

        Assert.Equal(b.Id, answer?.Id);
        Assert.Equal(3, a.Dispatcher.QueriesSent - sentBefore);
        Assert.True(swarm.Clock.Elapsed - started < TimeSpan.FromSeconds(2), "the third copy's answer should end the wait");
    }

    [Fact]
    public async Task PingAsync_OneAttempt_SendsOnce()
    {
        await using var swarm = CreateCutPair(seed: 22, queryAttempts: 1);
        var (a, b) = (swarm.Nodes[0], swarm.Nodes[1]);
        long sentBefore = a.Dispatcher!.QueriesSent;
        Assert.Null(swarm.Run(a.PingAsync(b.LocalEndPoints[0])));
        Assert.Equal(1, a.Dispatcher.QueriesSent - sentBefore);
    }

    // Two nodes that know each other, after which every datagram from the first to the second is lost.
    private static SimulatedSwarm CreateCutPair(int seed, int queryAttempts)
    {
        var swarm = SimulatedSwarm.Create(2, seed, template: new DhtOptions { QueryAttempts = queryAttempts });
        swarm.Network.SetLinkLossRate(swarm.Nodes[0].LocalEndPoints[0], swarm.Nodes[1].LocalEndPoints[0], 1.0);
        return swarm;
    }
}
