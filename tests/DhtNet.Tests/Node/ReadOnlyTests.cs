namespace DhtNet.Tests.Node;

/// <summary>BEP 43 read-only mode: ro=1 on every query, never added by others, answers nothing, still looks up.</summary>
public class ReadOnlyTests
{
    [Fact]
    public async Task ReadOnlyNode_JoinsAndLooksUp_QueriesCarryRoAndNobodyAddsIt()
    {
        await using var swarm = SimulatedSwarm.Create(60, seed: 41);
        var addedReadOnly = new List<NodeInfo>();
        var readOnlyId = NodeId.Random(swarm.Random);
        foreach (var node in swarm.Nodes)
        {
            node.NodeAdded += (_, e) =>
            {
                if (e.Node.Id == readOnlyId)
                {
                    addedReadOnly.Add(e.Node);
                }
            };
        }

        var wire = new RecordingTransport(swarm.Network.CreateTransport());
        var reader = swarm.StartNode(wire, swarm.Template with { ReadOnly = true, NodeId = readOnlyId, BootstrapNodes = swarm.PickBootstrap() });

        // It learns the network and its lookups work.
        Assert.True(reader.RoutingTableSize >= 8, $"the read-only node knows {reader.RoutingTableSize} nodes");
        var target = NodeId.Random(swarm.Random);
        var result = swarm.Run(reader.QueryAsync(target));
        Assert.Equal(swarm.TrueClosest(target, 8, except: reader), result.Nodes.Select(n => n.Id));
        var infoHash = NodeId.Random(swarm.Random);
        swarm.Run(swarm.Nodes[12].ProvideAsync(infoHash, 5000));
        Assert.Equal(5000, Assert.Single(swarm.Collect(reader.FindProvidersAsync(infoHash))).Port);
        Assert.Equal(swarm.Nodes[30].LocalEndPoints[0], swarm.Run(reader.FindPeerAsync(swarm.Nodes[30].Id)));

        // Every query it sent said ro=1.
        var sent = wire.SentQueries;
        Assert.True(sent.Count > 20, $"only {sent.Count} queries sent");
        Assert.All(sent, q => Assert.True(q.ReadOnly, $"{q.Method} without ro=1"));

        // Nobody added it, even after the nodes it queried ran their upkeep.
        swarm.Advance(TimeSpan.FromMinutes(16));
        Assert.Empty(addedReadOnly);
        Assert.All(swarm.Nodes.Where(n => n != reader), n => Assert.DoesNotContain(n.ExportNodes(), e => e.Id == readOnlyId));
        Assert.All(swarm.Nodes.Where(n => n != reader), n => Assert.False(n.RemoveNode(readOnlyId)));
    }

    [Fact]
    public async Task ReadOnlyNode_Queried_AnswersNothing()
    {
        await using var swarm = SimulatedSwarm.Create(20, seed: 42);
        var reader = swarm.StartNode(swarm.Template with { ReadOnly = true, NodeId = NodeId.Random(swarm.Random), BootstrapNodes = swarm.PickBootstrap() });
        var asker = swarm.Nodes[3];

        Assert.Null(swarm.Run(asker.PingAsync(reader.LocalEndPoints[0])));
        // A normal node, asked the same way, answers.
        Assert.Equal(swarm.Nodes[4].Id, swarm.Run(asker.PingAsync(swarm.Nodes[4].LocalEndPoints[0]))?.Id);

        Assert.True(reader.Dispatcher!.QueriesReceived >= 1);
        Assert.Equal(0, reader.Dispatcher.ResponsesSent);
        Assert.Equal(0, reader.Dispatcher.ErrorsSent);
    }
}
