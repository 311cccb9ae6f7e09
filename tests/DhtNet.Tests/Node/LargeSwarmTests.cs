using Xunit.Abstractions;

namespace DhtNet.Tests.Node;

/// <summary>
/// The issue's acceptance run: 2,000 nodes on the in-memory network, with and without 20% packet
/// loss. Lookups run many at a time, as on a real network.
/// </summary>
public class LargeSwarmTests(ITestOutputHelper output)
{
    private const int SwarmSize = 2_000;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public async Task Swarm2000_QueryFindPeerFindProviders_MeetTheBar(double lossRate)
    {
        // On the lossy network a node resends an unanswered query every 250 ms within its 2 s timeout.
        var options = new DhtOptions { QueryAttempts = lossRate > 0 ? 8 : 1 };
        await using var swarm = SimulatedSwarm.Create(SwarmSize, seed: 20, lossRate: lossRate, template: options);
        var nodes = swarm.Nodes;
        var random = swarm.Random;

        // QueryAsync returns the true K closest (checked against a sort of all ids) in >= 99% of 1,000 lookups.
        var targets = Enumerable.Range(0, 1_000).Select(_ => NodeId.Random(random)).ToArray();
        var askers = targets.Select(_ => nodes[random.Next(nodes.Count)]).ToArray();
        var results = swarm.Run(Task.WhenAll(targets.Select((t, i) => askers[i].QueryAsync(t))));
        // The asker itself is not among the nodes a lookup returns.
        int exact = targets.Select((t, i) => results[i].Nodes.Select(n => n.Id).SequenceEqual(swarm.TrueClosest(t, 8, except: askers[i]))).Count(ok => ok);
        output.WriteLine($"loss {lossRate:P0}: {exact}/1000 queries found the true 8 closest; median queried " +
            $"{Median(results.Select(r => r.Statistics.Queried))}, median answered {Median(results.Select(r => r.Statistics.Answered))}");
        Assert.True(exact >= 990, $"{exact} of 1000 lookups found the true 8 closest");

        // FindPeerAsync finds any node.
        var pairs = Enumerable.Range(0, 500).Select(_ => (From: nodes[random.Next(nodes.Count)], To: nodes[random.Next(nodes.Count)])).ToArray();
        var peers = swarm.Run(Task.WhenAll(pairs.Select(p => p.From.FindPeerAsync(p.To.Id))));
        int foundPeers = pairs.Zip(peers).Count(p => p.Second is not null && p.Second.Equals(p.First.To.LocalEndPoints[0]));
        output.WriteLine($"findpeer: {foundPeers}/500");
        Assert.Equal(500, foundPeers);

        // Every node finds a provider announced by another.
        var providers = Enumerable.Range(0, 20).Select(_ => nodes[random.Next(nodes.Count)]).Distinct().ToArray();
        var infoHashes = providers.Select(_ => NodeId.Random(random)).ToArray();
        var provided = swarm.Run(Task.WhenAll(providers.Select((p, i) => p.ProvideAsync(infoHashes[i], 6000 + i))));
        output.WriteLine($"provide: stored on {string.Join(",", provided.Select(p => p.Stored))} nodes");
        var searches = nodes.Select((n, i) => FirstAsync(n.FindProvidersAsync(infoHashes[i % infoHashes.Length], maxProviders: 1))).ToArray();
        var found = swarm.Run(Task.WhenAll(searches));
        int foundProviders = found.Select((endPoint, i) => endPoint is not null
            && endPoint.Address.Equals(providers[i % providers.Length].LocalEndPoints[0].Address)
            && endPoint.Port == 6000 + (i % providers.Length)).Count(ok => ok);
        output.WriteLine($"findprovs: {foundProviders}/{nodes.Count}");
        Assert.Equal(nodes.Count, foundProviders);
    }

    private static async Task<System.Net.IPEndPoint?> FirstAsync(IAsyncEnumerable<System.Net.IPEndPoint> stream)
    {
        await foreach (var item in stream.ConfigureAwait(false))
        {
            return item;
        }

        return null;
    }

    private static int Median(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
