using System.Net;
using DhtNet.Tests.Node;

namespace DhtNet.Tests.Items;

/// <summary>
/// BEP 44 items a node keeps putting (StartPutting / StartPuttingAsync): they outlive the two hours nodes keep
/// an item, stop when told, give way to a newer seq, keep their seq while the value stays, and are capped.
/// </summary>
public class KeptItemTests
{
    [Fact]
    public async Task StartPutting_FiveHours_ItemsStayWhileUnkeptItemsExpire()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 21);
        var publisher = swarm.Nodes[0];
        var keyPair = Ed25519KeyPair.Generate();

        var kept = publisher.StartPutting(ItemValues.Text("kept"));
        var keptMutable = swarm.Run(publisher.PutAsync(keyPair, ItemValues.Text("kept, signed"), "k"u8.ToArray()));
        publisher.StartPutting(keptMutable.Item!);
        var dropped = swarm.Run(publisher.PutAsync(ItemValues.Text("left alone")));
        Assert.Equal(new[] { kept, keptMutable.Target }.Order(), publisher.KeptItems.Order());

        // Items live two hours after their last put (BEP 44); a kept item is put hourly.
        swarm.Run(Task.Delay(TimeSpan.FromHours(5), swarm.Clock));

        var reader = swarm.Nodes[30];
        Assert.Equal(ItemValues.Text("kept"), swarm.Run(reader.GetAsync(kept))!.Value.ToArray());
        var mutable = swarm.Run(reader.GetAsync(keptMutable.Target, "k"u8.ToArray()));
        Assert.Equal(0, mutable!.Sequence);
        Assert.Equal(ItemValues.Text("kept, signed"), mutable.Value.ToArray());
        Assert.Null(swarm.Run(reader.GetAsync(dropped.Target)));
    }

    [Fact]
    public async Task StopPutting_ItemExpiresTwoHoursAfterItsLastPut()
    {
        await using var swarm = SimulatedSwarm.Create(20, seed: 22);
        var target = swarm.Nodes[0].StartPutting(ItemValues.Text("brief"));
        swarm.Run(Task.Delay(TimeSpan.FromMinutes(90), swarm.Clock));
        Assert.NotNull(swarm.Run(swarm.Nodes[12].GetAsync(target)));

        Assert.True(swarm.Nodes[0].StopPutting(target));
        Assert.False(swarm.Nodes[0].StopPutting(target));
        Assert.Empty(swarm.Nodes[0].KeptItems);
        swarm.Run(Task.Delay(TimeSpan.FromHours(2), swarm.Clock));
        Assert.Null(swarm.Run(swarm.Nodes[12].GetAsync(target)));
    }

    [Fact]
    public async Task StartPutting_NewerSeqPublishedElsewhere_GivesWay()
    {
        await using var swarm = SimulatedSwarm.Create(20, seed: 23);
        var keyPair = Ed25519KeyPair.Generate();
        var first = swarm.Run(swarm.Nodes[0].PutAsync(keyPair, ItemValues.Text("first")));
        swarm.Nodes[0].StartPutting(first.Item!);

        // The same key publishes seq 1 from another node; putting seq 0 again an hour later is refused (302), so
        // the node stops. The clock moves a minute at a time until it has (a put's replies come in virtual time).
        swarm.Run(swarm.Nodes[10].PutAsync(keyPair, ItemValues.Text("second")));
        swarm.Run(Task.Delay(TimeSpan.FromMinutes(59), swarm.Clock));
        Assert.Equal([first.Target], swarm.Nodes[0].KeptItems);
        for (int minute = 0; minute < 30 && swarm.Nodes[0].KeptItems.Count > 0; minute++)
        {
            swarm.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Empty(swarm.Nodes[0].KeptItems);
        var read = swarm.Run(swarm.Nodes[15].GetAsync(first.Target));
        Assert.Equal(1, read!.Sequence);
        Assert.Equal(ItemValues.Text("second"), read.Value.ToArray());
    }

    // The seq across restarts: kept while the value is the same, one more when it changes; the node that
    // restarts finds its last put in its state even when no node out there answers (isolated).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StartPuttingAsync_AfterRestart_SameValueKeepsItsSeqAndAChangedOneTakesTheNext(bool isolated)
    {
        await using var swarm = SimulatedSwarm.Create(isolated ? 0 : 12, seed: 24);
        await using var store = new InMemoryStateStore(timeProvider: swarm.Clock);
        var keyPair = Ed25519KeyPair.Generate();
        var endPoint = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 6881);
        var options = swarm.Template with { StateStore = store, BootstrapNodes = isolated ? [] : swarm.PickBootstrap() };

        var node = swarm.StartNode(options, endPoint);
        var put = swarm.Run(node.StartPuttingAsync(keyPair, ItemValues.Text("one"), "s"u8.ToArray()));
        Assert.Equal(0, put.Sequence);
        Assert.Equal(0, swarm.Run(node.StartPuttingAsync(keyPair, ItemValues.Text("one"), "s"u8.ToArray())).Sequence);

        var restarted = await RestartAsync();
        Assert.Equal([put.Target], restarted.KeptItems);
        var same = swarm.Run(restarted.StartPuttingAsync(keyPair, ItemValues.Text("one"), "s"u8.ToArray()));
        Assert.Equal(0, same.Sequence);
        Assert.Equal(put.Item!.Signature.ToArray(), same.Item!.Signature.ToArray());

        restarted = await RestartAsync();
        var changed = swarm.Run(restarted.StartPuttingAsync(keyPair, ItemValues.Text("two"), "s"u8.ToArray()));
        Assert.Equal(1, changed.Sequence);
        restarted = await RestartAsync();
        Assert.Equal(1, swarm.Run(restarted.StartPuttingAsync(keyPair, ItemValues.Text("two"), "s"u8.ToArray())).Sequence);
        Assert.Equal([put.Target], restarted.KeptItems);
        if (!isolated)
        {
            var read = swarm.Run(swarm.Nodes[5].GetAsync(put.Target, "s"u8.ToArray()));
            Assert.Equal(1, read!.Sequence);
            Assert.Equal(ItemValues.Text("two"), read.Value.ToArray());
        }

        async Task<DhtNode> RestartAsync()
        {
            await swarm.RemoveNodeAsync(node);

            // Down for three hours: every copy out there and in our own item store has expired.
            swarm.Advance(TimeSpan.FromHours(3));
            return node = swarm.StartNode(options, endPoint);
        }
    }

    [Fact]
    public async Task StartPutting_PastMaxKeptItems_ThrowsBeforePutting()
    {
        await using var swarm = SimulatedSwarm.Create(8, seed: 25);
        var node = swarm.StartNode(swarm.Template with { MaxKeptItems = 2, BootstrapNodes = swarm.PickBootstrap() });
        var keyPair = Ed25519KeyPair.Generate();
        node.StartPutting(ItemValues.Text("a"));
        var b = swarm.Run(node.StartPuttingAsync(keyPair, ItemValues.Text("b")));

        var error = Assert.Throws<InvalidOperationException>(() => node.StartPutting(ItemValues.Text("c")));
        Assert.Contains("2 BEP 44 items", error.Message);
        Assert.Contains("MaxKeptItems", error.Message);
        var mutable = await Assert.ThrowsAsync<InvalidOperationException>(() => node.StartPuttingAsync(keyPair, ItemValues.Text("d"), "other"u8.ToArray()));
        Assert.Equal(error.Message, mutable.Message);
        Assert.Null(swarm.Run(swarm.Nodes[3].GetAsync(ItemRules.MutableTarget(keyPair.PublicKey.Span, "other"u8))));

        // One already kept can change: no new slot is needed.
        Assert.Equal(1, swarm.Run(node.StartPuttingAsync(keyPair, ItemValues.Text("b2"))).Sequence);
        Assert.True(node.StopPutting(b.Target));
        node.StartPutting(ItemValues.Text("c"));
        Assert.Equal(2, node.KeptItems.Count);
    }
}
