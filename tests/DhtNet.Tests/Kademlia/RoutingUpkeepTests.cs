
namespace DhtNet.Tests.Kademlia;

public class RoutingUpkeepTests
{
    private static readonly TimeSpan PastFreshness = TimeSpan.FromMinutes(16);

    /// <summary>
    /// A scripted network: pings and find-node requests answer (or time out) after 50 ms of virtual
    /// time, and report their outcome through the upkeep's funnel as a request layer does.
    /// </summary>
    private sealed class ScriptedNetwork(RoutingTestNodes nodes) : IRoutingNetwork<NodeId, NodeInfo>
    {
        public RoutingUpkeep<NodeId, NodeInfo>? Upkeep { get; set; }

        public HashSet<NodeId> Silent { get; } = [];

        public List<NodeInfo> Pinged { get; } = [];

        public List<NodeId> Targets { get; } = [];

        public List<NodeInfo> BootstrapContacts { get; } = [];

        public List<NodeInfo> Neighbours { get; } = [];

        public int BootstrapCalls { get; private set; }

        public LookupRequest<NodeInfo> FindNode(NodeId target)
        {
            Targets.Add(target);
            return async (node, cancellationToken) =>
            {
                bool answered = await AnswerAsync(node, cancellationToken);
                return answered ? LookupReply<NodeInfo>.From(Neighbours) : LookupReply<NodeInfo>.NoAnswer;
            };
        }

        public Task PingAsync(NodeInfo contact, CancellationToken cancellationToken)
        {
            Pinged.Add(contact);
            return AnswerAsync(contact, cancellationToken);
        }

        public Task<IReadOnlyList<NodeInfo>> GetBootstrapContactsAsync(CancellationToken cancellationToken)
        {
            BootstrapCalls++;
            return Task.FromResult<IReadOnlyList<NodeInfo>>(BootstrapContacts);
        }

        private async Task<bool> AnswerAsync(NodeInfo contact, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), nodes.Clock, cancellationToken);
            bool answered = !Silent.Contains(contact.Id);
            Upkeep!.Report(contact, answered ? RequestOutcome.Answered(TimeSpan.FromMilliseconds(50)) : RequestOutcome.TimedOut);
            return answered;
        }
    }

    private static (RoutingTestNodes Nodes, ScriptedNetwork Network, RoutingUpkeep<NodeId, NodeInfo> Upkeep) Create(int seed, bool bootstrapWhenEmpty = true)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        var nodes = new RoutingTestNodes(seed);
        var network = new ScriptedNetwork(nodes);
        var options = new RoutingUpkeepOptions { Lookup = new LookupOptions { SoftTimeout = TimeSpan.Zero }, BootstrapWhenEmpty = bootstrapWhenEmpty };
        var upkeep = new RoutingUpkeep<NodeId, NodeInfo>(nodes.NewTable(), network, nodes.Clock, options);
        network.Upkeep = upkeep;
        return (nodes, network, upkeep);
    }

    [Fact]
    public void Report_FullBucketOfQuestionableNodes_PingsOneAndReplacesItWhenItStaysSilent()
    {
        var (nodes, network, upkeep) = Create(41);
        var added = new List<NodeInfo>();
        upkeep.NodeAdded += added.Add;
        var full = new List<NodeInfo>();
        for (int i = 0; i < 8; i++)
        {
            full.Add(nodes.NodeAt(0));
            upkeep.Report(full[^1], RequestOutcome.Answered(TimeSpan.FromMilliseconds(20)));
            nodes.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        upkeep.Report(nodes.NodeAt(1), RequestOutcome.Answered(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(9, added.Count);
        nodes.Clock.Advance(PastFreshness);
        network.Silent.Add(full[0].Id);

        var newcomer = nodes.NodeAt(0);
        upkeep.Report(newcomer, RequestOutcome.Answered(TimeSpan.FromMilliseconds(20)));
        Assert.Equal([full[0]], network.Pinged);
        nodes.Clock.Advance(TimeSpan.FromSeconds(1)); // the ping times out: one failure
        Assert.False(upkeep.Table.Contains(newcomer.Id));

        // The next newcomer asks for the same node again (its ping is over), and the second timeout evicts it.
        upkeep.Report(nodes.NodeAt(0), RequestOutcome.Answered(TimeSpan.FromMilliseconds(20)));
        Assert.Equal([full[0], full[0]], network.Pinged);
        nodes.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.False(upkeep.Table.TryGetState(full[0].Id, out _));
        Assert.Equal(10, added.Count);
        Assert.True(upkeep.Table.Contains(added[^1].Id));
    }

    [Fact]
    public void Report_PingedNodeAnswers_StaysAndNothingIsAdded()
    {
        var (nodes, network, upkeep) = Create(42);
        var full = nodes.Fill(upkeep.Table, 0, 8);
        upkeep.Table.AddOrUpdate(nodes.NodeAt(1), NodeContact.Responded);
        nodes.Clock.Advance(PastFreshness);
        int added = 0;
        upkeep.NodeAdded += _ => added++;

        upkeep.ReportQuery(nodes.NodeAt(0));
        nodes.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([full[0]], network.Pinged);
        Assert.True(upkeep.Table.Contains(full[0].Id));
        Assert.Equal(0, added);
    }

    [Fact]
    public void Report_NodeAddedHandlerThrows_TableStillUpdated()
    {
        var (nodes, _, upkeep) = Create(43);
        upkeep.NodeAdded += _ => throw new InvalidOperationException("handler");
        var node = nodes.NodeAt(0);
        upkeep.Report(node, RequestOutcome.Answered(TimeSpan.Zero));
        Assert.True(upkeep.Table.Contains(node.Id));
    }

    [Fact]
    public void Start_BucketsGoStale_EachRefreshedWithATargetInsideIt()
    {
        var (nodes, network, upkeep) = Create(44);
        for (int prefix = 0; prefix < 4; prefix++)
        {
            nodes.Fill(upkeep.Table, prefix, 8);
        }

        var refreshed = new List<NodeId>();
        upkeep.LookupCompleted += (operation, target, _) =>
        {
            Assert.Equal("refresh", operation);
            refreshed.Add(target);
        };
        upkeep.Start();
        var buckets = upkeep.Table.Buckets;

        nodes.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.Empty(network.Targets);
        nodes.Clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(buckets.Count, refreshed.Count);
        Assert.Equal(refreshed, network.Targets);
        foreach (var bucket in buckets)
        {
            Assert.Single(refreshed, t => bucket.Contains(t));
        }

        Assert.Empty(upkeep.Table.GetBucketsToRefresh());
    }

    [Fact]
    public void Start_TableEmpty_BootstrapsAgainFromTheNetworksContacts()
    {
        var (nodes, network, upkeep) = Create(45);
        var seed = nodes.NodeAt(0);
        network.BootstrapContacts.Add(seed);
        network.Neighbours.AddRange([nodes.NodeAt(1), nodes.NodeAt(2), nodes.NodeAt(3)]);
        string? operation = null;
        upkeep.LookupCompleted += (op, target, _) =>
        {
            operation = op;
            Assert.Equal(upkeep.Table.LocalId, target);
        };
        upkeep.Start();

        nodes.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(1, network.BootstrapCalls);
        Assert.Equal("bootstrap", operation);
        Assert.Equal(4, upkeep.Table.Count); // the seed and its three neighbours answered
        nodes.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, network.BootstrapCalls);
    }

    [Fact]
    public void Start_TableEmptyAndBootstrapWhenEmptyOff_LeavesItToTheOwner()
    {
        var (nodes, network, upkeep) = Create(48, bootstrapWhenEmpty: false);
        network.BootstrapContacts.Add(nodes.NodeAt(0));
        upkeep.Start();

        nodes.Clock.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal(0, network.BootstrapCalls);
        Assert.Empty(network.Targets);
    }

    [Fact]
    public async Task BootstrapAsync_CalledWhileRunning_JoinsTheRunningBootstrap()
    {
        var (nodes, network, upkeep) = Create(46);
        network.BootstrapContacts.Add(nodes.NodeAt(0));
        var first = upkeep.BootstrapAsync();
        var second = upkeep.BootstrapAsync();
        Assert.Same(first, second);
        nodes.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(first.IsCompletedSuccessfully);
        Assert.Equal(1, network.BootstrapCalls);
        Assert.Equal(1, (await first).Statistics.Answered);
    }

    [Fact]
    public void Dispose_StopsTheTimerAndLaterLookups()
    {
        var (nodes, network, upkeep) = Create(47);
        nodes.Fill(upkeep.Table, 0, 3);
        upkeep.Start();
        upkeep.Dispose();

        nodes.Clock.Advance(PastFreshness);

        Assert.Empty(network.Targets);
        Assert.Throws<ObjectDisposedException>(() => upkeep.Start());
        upkeep.Report(nodes.NodeAt(1), RequestOutcome.Answered(TimeSpan.Zero)); // late replies are still taken
        Assert.Equal(4, upkeep.Table.Count);
    }
}
