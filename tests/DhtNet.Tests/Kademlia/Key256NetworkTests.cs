
namespace DhtNet.Tests.Kademlia;

/// <summary>
/// The proof that the core is protocol-independent: 300 nodes of a tiny 256-bit wire, built from
/// the generic table, upkeep and lookup alone, join over the in-memory network on a virtual clock,
/// and every lookup finds the true K closest nodes.
/// </summary>
public class Key256NetworkTests
{
    private readonly VirtualTimeProvider _clock = new();

    private T Run<T>(Task<T> task)
    {
        // xunit's synchronization context would push completions to the thread pool; the virtual
        // clock needs them inline.
        SynchronizationContext.SetSynchronizationContext(null);
        _clock.RunUntil(task);
        Assert.True(task.IsCompleted, $"did not finish when the clock ran out of timers: {task.Status}");
        return task.GetAwaiter().GetResult();
    }

    private List<TinyKadNode> Join(InMemoryNetwork network, int count, Random random)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        var nodes = new List<TinyKadNode>();
        for (int i = 0; i < count; i++)
        {
            var node = new TinyKadNode(Key256.Random(random), network.CreateTransport(), _clock, i == 0 ? null : nodes[0].Self);
            nodes.Add(node);
            if (i > 0)
            {
                Run(node.Upkeep.BootstrapAsync());
            }
        }

        return nodes;
    }

    private static Key256[] TrueClosest(List<TinyKadNode> nodes, Key256 target, TinyKadNode except) =>
        nodes.Where(n => n != except).Select(n => n.Self.Id).OrderBy(id => id.Xor(target)).Take(TinyKadNode.K).ToArray();

    [Fact]
    public void FindNodeAsync_300NodesOf256BitKeys_EveryLookupFindsTheTrueKClosest()
    {
        using var network = new InMemoryNetwork(_clock, new InMemoryNetworkOptions { Latency = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(10), Seed = 3 });
        var random = new Random(256);
        var nodes = Join(network, 300, random);
        foreach (var node in nodes)
        {
            Assert.True(node.Table.Count >= TinyKadNode.K, $"node {node.Self.Id} holds only {node.Table.Count} nodes");
        }

        for (int i = 0; i < 60; i++)
        {
            var from = nodes[random.Next(nodes.Count)];
            // Half the targets are random keys, half are the keys of other nodes.
            var target = i % 2 == 0 ? Key256.Random(random) : nodes[random.Next(nodes.Count)].Self.Id;
            var result = Run(from.Upkeep.FindNodeAsync(target, []));

            Assert.Equal(TrueClosest(nodes, target, from), result.ClosestNodes.Select(n => n.Id));
            Assert.Equal(result.Statistics.Queried, result.Statistics.Answered + result.Statistics.TimedOut);
        }
    }

    [Fact]
    public void FindNodeAsync_ATenthOfNodesGoSilent_LookupsStillFindTheTrueKClosestOfTheLiving()
    {
        using var network = new InMemoryNetwork(_clock, new InMemoryNetworkOptions { Latency = TimeSpan.FromMilliseconds(20), Seed = 4 });
        var random = new Random(257);
        var nodes = Join(network, 200, random);
        var silent = nodes.Skip(1).Where((_, i) => i % 10 == 0).ToList();
        foreach (var node in silent)
        {
            network.TryGetTransport(node.Self.EndPoint, out var transport);
            transport!.IsOnline = false;
        }

        var living = nodes.Except(silent).ToList();
        for (int i = 0; i < 20; i++)
        {
            var from = living[random.Next(living.Count)];
            var target = Key256.Random(random);
            var result = Run(from.Upkeep.FindNodeAsync(target, []));

            Assert.Equal(TrueClosest(living, target, from), result.ClosestNodes.Select(n => n.Id));
        }

        // The timeouts reached the tables through the funnel: silent nodes asked twice are bad, never returned.
        var asked = living.SelectMany(n => n.Table.Buckets.SelectMany(b => b.Nodes)).Where(e => silent.Any(s => s.Self.Id == e.Contact.Id) && e.FailedQueries > 0).ToList();
        Assert.NotEmpty(asked);
    }
}
