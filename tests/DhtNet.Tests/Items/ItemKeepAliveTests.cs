using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

public class ItemKeepAliveTests
{
    [Fact]
    public async Task ItemKeepAlive_FiveHours_ItemsStayWhileUnkeptItemsExpire()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 21);
        var publisher = swarm.Nodes[0];
        var keyPair = Ed25519KeyPair.Generate();

        var kept = swarm.Run(publisher.PutAsync(ItemValues.Text("kept")));
        var keptMutable = swarm.Run(publisher.PutAsync(keyPair, ItemValues.Text("kept, signed"), "k"u8.ToArray()));
        var dropped = swarm.Run(publisher.PutAsync(ItemValues.Text("left alone")));
        using var keepImmutable = ItemKeepAlive.ForImmutable(publisher, ItemValues.Text("kept"));
        using var keepMutable = ItemKeepAlive.ForMutable(publisher, keptMutable.Item!);
        Assert.Equal(kept.Target, keepImmutable.Target);
        Assert.Equal(keptMutable.Target, keepMutable.Target);

        // Items live two hours after their last put (BEP 44); the keep-alive puts hourly.
        swarm.Run(Task.Delay(TimeSpan.FromHours(5), swarm.Clock));

        Assert.True(keepImmutable.Refreshes >= 4, $"{keepImmutable.Refreshes} refreshes");
        Assert.True(keepMutable.Refreshes >= 4, $"{keepMutable.Refreshes} refreshes");
        Assert.Null(keepMutable.LastError);
        Assert.Equal(0, keepMutable.LastResult!.Sequence);
        Assert.True(keepMutable.LastResult.Stored >= 6);

        var reader = swarm.Nodes[30];
        Assert.Equal(ItemValues.Text("kept"), swarm.Run(reader.GetAsync(kept.Target))!.Value.ToArray());
        var mutable = swarm.Run(reader.GetAsync(keptMutable.Target, "k"u8.ToArray()));
        Assert.Equal(0, mutable!.Sequence);
        Assert.Null(swarm.Run(reader.GetAsync(dropped.Target)));
    }

    [Fact]
    public async Task ItemKeepAlive_Disposed_StopsPutting()
    {
        await using var swarm = SimulatedSwarm.Create(5, seed: 22);
        var keepAlive = ItemKeepAlive.ForImmutable(swarm.Nodes[0], ItemValues.Text("brief"), TimeSpan.FromMinutes(10));
        swarm.Run(Task.Delay(TimeSpan.FromMinutes(25), swarm.Clock));
        Assert.Equal(2, keepAlive.Refreshes);
        keepAlive.Dispose();
        swarm.Run(Task.Delay(TimeSpan.FromMinutes(30), swarm.Clock));
        Assert.Equal(2, keepAlive.Refreshes);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => keepAlive.RefreshAsync());
    }

    [Fact]
    public async Task ItemKeepAlive_NewerSeqPublishedElsewhere_ReportsThe302s()
    {
        await using var swarm = SimulatedSwarm.Create(20, seed: 23);
        var keyPair = Ed25519KeyPair.Generate();
        var first = swarm.Run(swarm.Nodes[0].PutAsync(keyPair, ItemValues.Text("first")));
        using var keepAlive = ItemKeepAlive.ForMutable(swarm.Nodes[0], first.Item!, TimeSpan.FromMinutes(10));
        var failures = new List<Exception>();
        keepAlive.RefreshFailed += (_, e) => failures.Add(e);

        // The same key publishes seq 1 from another node; re-putting seq 0 is now refused.
        swarm.Run(swarm.Nodes[10].PutAsync(keyPair, ItemValues.Text("second")));
        swarm.Run(Task.Delay(TimeSpan.FromMinutes(15), swarm.Clock));
        Assert.Equal(1, keepAlive.Refreshes);

        // Usually every node refuses and the refresh fails; a node that the second put did not
        // reach may still hold seq 0 and take the refresh, which then succeeds with the 302s counted.
        var outcome = failures.Count == 1 ? Assert.IsType<DhtPutException>(failures[0]).Result : keepAlive.LastResult!;
        Assert.True(outcome.Errors[KrpcErrorCode.SequenceNumberLessThanCurrent] >= 6, $"{outcome.Stored} stored, errors {string.Join(",", outcome.Errors)}");
        Assert.True(outcome.Stored <= 1);
        if (failures.Count == 1)
        {
            Assert.Equal(KrpcErrorCode.SequenceNumberLessThanCurrent, ((DhtPutException)failures[0]).Code);
            Assert.Same(failures[0], keepAlive.LastError);
        }

        Assert.Equal(1, swarm.Run(swarm.Nodes[15].GetAsync(first.Target))!.Sequence);
    }
}
