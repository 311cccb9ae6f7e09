using System.Net;
using NodeLookup = DhtNet.Kademlia.IterativeLookup<DhtNet.NodeId, DhtNet.NodeInfo>;

namespace DhtNet.Tests.Kademlia;

public class IterativeLookupTests
{
    private readonly VirtualTimeProvider _clock = new();

    /// <summary>
    /// A wire-free network: each node knows its closest neighbours and some random others, and
    /// answers with the 8 nodes it knows closest to the target after a latency on the virtual clock.
    /// </summary>
    private sealed class FakeNetwork
    {
        private readonly Dictionary<NodeId, NodeInfo[]> _known = [];
        private readonly VirtualTimeProvider _clock;
        private readonly Random _random;

        public FakeNetwork(VirtualTimeProvider clock, int size, int seed)
        {
            _clock = clock;
            _random = new Random(seed);
            Nodes = Enumerable.Range(0, size)
                .Select(i => new NodeInfo(NodeId.Random(_random), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1000 + i)))
                .ToArray();
            foreach (var node in Nodes)
            {
                var neighbours = Nodes.OrderBy(n => n.Id.Xor(node.Id)).Skip(1).Take(16);
                var random = Enumerable.Range(0, 24).Select(_ => Nodes[_random.Next(size)]);
                _known[node.Id] = neighbours.Concat(random).Distinct().ToArray();
            }
        }

        public NodeInfo[] Nodes { get; }

        public HashSet<NodeId> Silent { get; } = [];

        public int InFlight { get; private set; }

        public int MaxInFlight { get; private set; }

        public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(50);

        public LookupRequest<NodeInfo> RequestFor(NodeId target) => (node, cancellationToken) =>
        {
            var reply = new TaskCompletionSource<LookupReply<NodeInfo>>();
            InFlight++;
            MaxInFlight = Math.Max(MaxInFlight, InFlight);
            bool silent = Silent.Contains(node.Id);
            var delay = silent ? TimeSpan.FromSeconds(2) : Latency;
            ITimer? timer = null;
            timer = _clock.CreateTimer(_ =>
            {
                timer!.Dispose();
                InFlight--;
                reply.TrySetResult(silent
                    ? LookupReply<NodeInfo>.NoAnswer
                    : LookupReply<NodeInfo>.From(_known[node.Id].OrderBy(n => n.Id.Xor(target)).Take(8).ToArray()));
            }, null, delay, Timeout.InfiniteTimeSpan);
            return reply.Task;
        };

        public NodeInfo[] TrueClosest(NodeId target, int k) => Nodes.OrderBy(n => n.Id.Xor(target)).Take(k).ToArray();
    }

    private LookupResult<NodeInfo> Run(NodeLookup lookup, CancellationToken cancellationToken = default)
    {
        // xunit's synchronization context would push completions to the thread pool; the virtual
        // clock needs them inline.
        SynchronizationContext.SetSynchronizationContext(null);
        var task = lookup.RunAsync(cancellationToken);
        _clock.RunUntil(task);
        Assert.True(task.IsCompleted, $"the lookup did not finish when the clock ran out of timers: {task.Status} {task.Exception}");
        return task.GetAwaiter().GetResult();
    }

    [Fact]
    public void RunAsync_ConvergesOnTrueClosestNodes()
    {
        var network = new FakeNetwork(_clock, 500, seed: 7);
        var random = new Random(11);
        int exact = 0;
        for (int i = 0; i < 50; i++)
        {
            var target = NodeId.Random(random);
            var lookup = new NodeLookup(target, network.RequestFor(target), new LookupOptions(), _clock);
            lookup.AddCandidates(network.Nodes.Take(3));
            var result = Run(lookup);
            if (result.ClosestNodes.Select(n => n.Id).SequenceEqual(network.TrueClosest(target, 8).Select(n => n.Id)))
            {
                exact++;
            }
        }

        Assert.True(exact >= 49, $"only {exact} of 50 lookups found the true 8 closest");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void RunAsync_NeverExceedsAlphaRequestsInFlight(int alpha)
    {
        var network = new FakeNetwork(_clock, 300, seed: 3);
        var target = NodeId.Random(new Random(5));
        var options = new LookupOptions { Alpha = alpha, SoftTimeout = TimeSpan.FromSeconds(10) };
        var lookup = new NodeLookup(target, network.RequestFor(target), options, _clock);
        lookup.AddCandidates(network.Nodes.Take(20));
        var result = Run(lookup);
        Assert.Equal(alpha, network.MaxInFlight);
        Assert.Equal(result.Statistics.Queried, result.Statistics.Answered + result.Statistics.TimedOut);
    }

    [Fact]
    public void RunAsync_SoftTimeoutFreesSlotForSilentNodes()
    {
        var network = new FakeNetwork(_clock, 300, seed: 9);
        var target = NodeId.Random(new Random(1));
        // The three seeds never answer: without the soft timeout, alpha = 3 would wait 2 s for them.
        var seeds = network.Nodes.Take(6).OrderBy(n => n.Id.Xor(target)).ToArray();
        foreach (var silent in seeds.Take(3))
        {
            network.Silent.Add(silent.Id);
        }

        var options = new LookupOptions { Alpha = 3, SoftTimeout = TimeSpan.FromMilliseconds(300) };
        var lookup = new NodeLookup(target, network.RequestFor(target), options, _clock);
        lookup.AddCandidates(seeds);
        var result = Run(lookup);

        Assert.Equal(network.TrueClosest(target, 8).Select(n => n.Id), result.ClosestNodes.Select(n => n.Id));
        Assert.True(network.MaxInFlight > 3, "silent requests should stop holding slots after the soft timeout");
        Assert.True(result.Statistics.TimedOut >= 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunAsync_DeadNodesAmongClosest_GivenUpAfterFewRoundTripsWhenAdaptive(bool adaptive)
    {
        // A fifth of the nodes are dead (answer nothing for 2 s), as in a network whose tables do not know it yet.
        var network = new FakeNetwork(_clock, 500, seed: 21);
        var random = new Random(8);
        foreach (var node in network.Nodes.Where((_, i) => i % 5 == 0))
        {
            network.Silent.Add(node.Id);
        }

        var options = new LookupOptions { Adaptive = adaptive ? new RoundTripTimeouts() : null, ExtraPerFailure = adaptive ? 2 : 0 };
        var elapsed = new List<double>();
        int exact = 0;
        for (int i = 0; i < 20; i++)
        {
            var target = NodeId.Random(random);
            var lookup = new NodeLookup(target, network.RequestFor(target), options, _clock);
            lookup.AddCandidates(network.Nodes.Skip(1).Take(10));
            var result = Run(lookup);
            var alive = network.Nodes.Where(n => !network.Silent.Contains(n.Id)).OrderBy(n => n.Id.Xor(target)).Take(8).Select(n => n.Id);
            // Replies carry 8 nodes, dead ones among them, so a live node ranked past 8 is sometimes
            // named by nobody the lookup asks: nearly all, not all, lookups find the live 8 closest.
            exact += alive.SequenceEqual(result.ClosestNodes.Select(n => n.Id)) ? 1 : 0;
            elapsed.Add(result.Statistics.Elapsed.TotalMilliseconds);
        }

        // 50 ms round trips: SRTT + 4 RTTVAR stays at the 150 ms floor, so a dead node is given up
        // after 150 ms instead of holding the lookup for its 2 s.
        Assert.True(exact >= 18, $"only {exact} of 20 lookups found the 8 closest live nodes");
        double worst = elapsed.Max();
        if (adaptive)
        {
            Assert.True(worst < 1_000, $"the slowest lookup took {worst} ms");
        }
        else
        {
            Assert.True(worst >= 2_000, $"without adaptive timeouts a dead node among the closest should hold the lookup 2 s; slowest {worst} ms");
        }
    }

    [Fact]
    public void RunAsync_LateAnswerOfGivenUpNode_StillUsed()
    {
        var network = new FakeNetwork(_clock, 100, seed: 5);
        var target = NodeId.Random(new Random(4));
        var seed = network.Nodes.OrderBy(n => n.Id.Xor(target)).Skip(20).First();
        // The only seed answers after 400 ms, past the 150 ms give-up time a 50 ms estimate gives (the floor).
        network.Latency = TimeSpan.FromMilliseconds(400);
        var options = new LookupOptions { Adaptive = new RoundTripTimeouts { InitialRoundTrip = TimeSpan.FromMilliseconds(50) } };
        var lookup = new NodeLookup(target, network.RequestFor(target), options, _clock);
        lookup.AddCandidates([seed]);
        var result = Run(lookup);
        Assert.True(result.Statistics.Answered > 1, "the late answer should have led the lookup on");
        Assert.Equal(network.TrueClosest(target, 8).Select(n => n.Id), result.ClosestNodes.Select(n => n.Id));
    }

    [Fact]
    public void RunAsync_ReportsStatistics()
    {
        var network = new FakeNetwork(_clock, 200, seed: 4);
        var target = NodeId.Random(new Random(2));
        network.Silent.Add(network.Nodes[0].Id);
        var lookup = new NodeLookup(target, network.RequestFor(target), new LookupOptions { Alpha = 1, SoftTimeout = TimeSpan.Zero }, _clock);
        lookup.AddCandidates(network.Nodes.Take(2));
        var result = Run(lookup);

        Assert.Equal(result.Statistics.Queried, result.Statistics.Answered + result.Statistics.TimedOut);
        Assert.True(result.Statistics.TimedOut >= 1 || result.Statistics.Answered == result.Statistics.Queried);
        Assert.True(result.Statistics.Elapsed >= TimeSpan.FromMilliseconds(50));
    }

    // A lookup with alpha 1 whose request calls `stop` when the second answer is in hand.
    private LookupStatistics RunStoppingAtSecondReply(Action<NodeLookup> stop)
    {
        var network = new FakeNetwork(_clock, 300, seed: 6);
        var target = NodeId.Random(new Random(3));
        NodeLookup? lookup = null;
        int replies = 0;
        var inner = network.RequestFor(target);
        lookup = new NodeLookup(target, async (node, cancellationToken) =>
        {
            var reply = await inner(node, cancellationToken);
            if (++replies == 2)
            {
                stop(lookup!);
            }

            return reply;
        }, new LookupOptions { Alpha = 1 }, _clock);
        lookup.AddCandidates(network.Nodes.Take(5));
        return Run(lookup).Statistics;
    }

    [Fact]
    public void Stop_EndsLookupEarly()
    {
        Assert.Equal(2, RunStoppingAtSecondReply(lookup => lookup.Stop()).Queried);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StopInsideRequest_CountsTheAnswerInHandOnlyAfterReply(bool afterReply)
    {
        var statistics = RunStoppingAtSecondReply(lookup =>
        {
            if (afterReply)
            {
                lookup.StopAfterReply();
            }
            else
            {
                lookup.Stop();
            }
        });

        Assert.Equal(2, statistics.Queried);
        Assert.Equal(afterReply ? 2 : 1, statistics.Answered);
        Assert.Equal(afterReply ? 0 : 1, statistics.Abandoned);
    }

    [Fact]
    public void RunAsync_Cancelled_Throws()
    {
        var network = new FakeNetwork(_clock, 100, seed: 8);
        var target = NodeId.Random(new Random(4));
        var lookup = new NodeLookup(target, network.RequestFor(target), new LookupOptions(), _clock);
        lookup.AddCandidates(network.Nodes.Take(3));
        using var cts = new CancellationTokenSource();
        var task = lookup.RunAsync(cts.Token);
        cts.Cancel();
        Assert.True(task.IsCanceled);
    }

    [Fact]
    public void RunAsync_NoCandidates_FinishesEmpty()
    {
        var lookup = new NodeLookup(NodeId.Random(), (_, _) => Task.FromResult(LookupReply<NodeInfo>.NoAnswer), new LookupOptions(), _clock);
        var result = Run(lookup);
        Assert.Empty(result.ClosestNodes);
        Assert.Equal(0, result.Statistics.Queried);
    }

    [Fact]
    public void RunAsync_ExcludedIdIsNeverQueried()
    {
        var network = new FakeNetwork(_clock, 200, seed: 12);
        var self = network.Nodes[5];
        var queried = new List<NodeId>();
        var inner = network.RequestFor(self.Id);
        var lookup = new NodeLookup(self.Id, (node, cancellationToken) =>
        {
            queried.Add(node.Id);
            return inner(node, cancellationToken);
        }, new LookupOptions(), _clock, excluded: self.Id);
        lookup.AddCandidates(network.Nodes.Take(4));
        var result = Run(lookup);
        Assert.DoesNotContain(self.Id, queried);
        Assert.DoesNotContain(self.Id, result.ClosestNodes.Select(n => n.Id));
    }

    [Fact]
    public void RunAsync_AcceptRefusesCandidates_TheyAreNeverQueried()
    {
        var network = new FakeNetwork(_clock, 200, seed: 13);
        var target = NodeId.Random(new Random(8));
        var refused = network.TrueClosest(target, 3).Select(n => n.Id).ToHashSet();
        var queried = new List<NodeId>();
        var inner = network.RequestFor(target);
        var lookup = new NodeLookup(target, (node, cancellationToken) =>
        {
            queried.Add(node.Id);
            return inner(node, cancellationToken);
        }, new LookupOptions(), _clock, accept: node => !refused.Contains(node.Id));
        lookup.AddCandidates(network.Nodes.Take(4));
        var result = Run(lookup);

        Assert.NotEmpty(queried);
        Assert.DoesNotContain(queried, refused.Contains);
        Assert.DoesNotContain(result.ClosestNodes, node => refused.Contains(node.Id));
    }

    [Fact]
    public void RunAsync_Prefer_GoesOnUntilKPreferredOr2KNodesAnswered()
    {
        var network = new FakeNetwork(_clock, 500, seed: 14);
        static bool Preferred(NodeInfo node) => node.Id.GetBit(159);
        int queriedWith = 0, queriedWithout = 0;
        var random = new Random(9);
        for (int i = 0; i < 20; i++)
        {
            var target = NodeId.Random(random);
            foreach (bool prefer in new[] { false, true })
            {
                var answered = new List<NodeInfo>();
                var inner = network.RequestFor(target);
                var lookup = new NodeLookup(target, async (node, cancellationToken) =>
                {
                    var reply = await inner(node, cancellationToken);
                    answered.Add(node);
                    return reply;
                }, new LookupOptions(), _clock, prefer: prefer ? Preferred : null);
                lookup.AddCandidates(network.Nodes.Take(3));
                var result = Run(lookup);
                if (prefer)
                {
                    Assert.True(answered.Count(Preferred) >= 8 || answered.Count >= 16, $"{answered.Count(Preferred)} preferred of {answered.Count}");
                    queriedWith += result.Statistics.Queried;
                }
                else
                {
                    queriedWithout += result.Statistics.Queried;
                }
            }
        }

        Assert.True(queriedWith > queriedWithout, $"{queriedWith} queries with a preference, {queriedWithout} without");
    }
}
