using System.Net;
using DhtNet.Tests.Node;

namespace DhtNet.Tests.Persistence;

/// <summary>
/// A Mainline node with a state store, stopped and started again on a virtual clock: what other
/// nodes stored on it is served again (over KRPC, to a node that can learn it nowhere else) until
/// it expires; id, identity key and what it provides come back.
/// </summary>
public sealed class MainlineRestoreTests
{
    private static readonly byte[] Value = "12:kept for you"u8.ToArray();

    // Peers live 30 minutes and items 2 hours after their last announce or put.
    [Theory]
    [InlineData(1, true, true)]
    [InlineData(31, false, true)]
    [InlineData(121, false, false)]
    public async Task Restart_AfterDowntime_ServesWhatHasNotExpired(int minutesDown, bool peerServed, bool itemServed)
    {
        await using var swarm = SimulatedSwarm.Create(0);
        var store = new InMemoryStateStore(timeProvider: swarm.Clock);
        var endPoint = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 6881);
        var options = swarm.Template with { StateStore = store, BootstrapNodes = [] };
        var first = swarm.StartNode(options, endPoint);
        var announcer = swarm.StartNode(swarm.Template with { BootstrapNodes = [endPoint.ToString()] });

        // The announcer's only neighbour is the first node: the announce and the put land there.
        var infoHash = NodeId.Random();
        var provided = NodeId.Random();
        Assert.Equal(1, swarm.Run(announcer.ProvideAsync(infoHash, 7000)).Stored);
        var put = swarm.Run(announcer.PutAsync(Value));
        Assert.Equal(1, put.Stored);
        first.StartProviding(provided, 7001);
        var id = first.Id;
        var publicKey = first.IdentityKey.PublicKey.ToArray();
        swarm.Run(swarm.RemoveNodeAsync(first).AsTask());
        swarm.Run(swarm.RemoveNodeAsync(announcer).AsTask());

        swarm.Advance(TimeSpan.FromMinutes(minutesDown));
        var restarted = swarm.StartNode(options, endPoint);
        var asker = swarm.StartNode(swarm.Template with { BootstrapNodes = [endPoint.ToString()] });

        Assert.Equal(id, restarted.Id);
        Assert.Equal(publicKey, restarted.IdentityKey.PublicKey.ToArray());
        Assert.Equal([provided], restarted.ProvidedInfoHashes);
        var peers = swarm.Collect(asker.FindProvidersAsync(infoHash));
        Assert.Equal(peerServed, peers.Any(p => p.Port == 7000));
        var item = swarm.Run(asker.GetAsync(put.Target));
        Assert.Equal(itemServed, item is not null);
        if (itemServed)
        {
            Assert.Equal(Value, item!.Value.ToArray());
        }
    }

    [Fact]
    public async Task Restart_WithProvidedInfoHash_AnnouncesAgainWhenDue()
    {
        await using var swarm = SimulatedSwarm.Create(0);
        var store = new InMemoryStateStore(timeProvider: swarm.Clock);
        var neighbour = swarm.StartNode(swarm.Template with { BootstrapNodes = [] });
        var options = swarm.Template with { StateStore = store, BootstrapNodes = [neighbour.LocalEndPoints[0].ToString()] };
        var endPoint = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 6881);
        var provided = NodeId.Random();
        var first = swarm.StartNode(options, endPoint);
        first.StartProviding(provided, 7001);
        swarm.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, neighbour.Peers.Count);
        swarm.Run(swarm.RemoveNodeAsync(first).AsTask());

        // Down for 20 minutes: the neighbour forgets us after 30; the restarted node announces
        // again once its 15 minutes are up, so the neighbour never goes without.
        swarm.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, neighbour.Peers.Count);
        var restarted = swarm.StartNode(options, endPoint);
        swarm.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(1, neighbour.Peers.Count);
        swarm.Advance(TimeSpan.FromMinutes(25));
        Assert.Equal(1, neighbour.Peers.Count);
        Assert.True(restarted.StopProviding(provided));
        swarm.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(0, neighbour.Peers.Count);
        Assert.Empty((await store.LoadAsync(MainlineState.Network, new DhtStateLimits())).Publications);
    }

    [Fact]
    public async Task Restart_WithKeptItems_PutsThemAgainAndHourly()
    {
        await using var swarm = SimulatedSwarm.Create(0);
        var store = new InMemoryStateStore(timeProvider: swarm.Clock);
        var neighbour = swarm.StartNode(swarm.Template with { BootstrapNodes = [] });
        var options = swarm.Template with { StateStore = store, BootstrapNodes = [neighbour.LocalEndPoints[0].ToString()] };
        var endPoint = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 6881);
        var first = swarm.StartNode(options, endPoint);
        swarm.Advance(TimeSpan.FromSeconds(10));
        var immutable = first.StartPutting(Value);
        var mutable = swarm.Run(first.StartPuttingAsync("name", "5:named"u8.ToArray())).Target;
        swarm.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, neighbour.Items.Count);
        Assert.Equal(new[] { immutable, mutable }.Order(), first.KeptItems.Order());
        swarm.Run(swarm.RemoveNodeAsync(first).AsTask());

        // Down for 50 minutes; the neighbour would drop both two hours after the first put. The restarted
        // node puts them again soon after it starts, and then hourly: the neighbour never goes without.
        swarm.Advance(TimeSpan.FromMinutes(50));
        var restarted = swarm.StartNode(options, endPoint);
        Assert.Equal(new[] { immutable, mutable }.Order(), restarted.KeptItems.Order());
        swarm.Advance(TimeSpan.FromMinutes(100));
        Assert.Equal(2, neighbour.Items.Count);
        swarm.Advance(TimeSpan.FromHours(3));
        Assert.Equal(2, neighbour.Items.Count);
        Assert.Equal("5:named"u8.ToArray(), neighbour.Items.Get(mutable).Item!.Value.ToArray());

        Assert.True(restarted.StopPutting(immutable));
        Assert.True(restarted.StopPutting(mutable));
        swarm.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        Assert.Equal(0, neighbour.Items.Count);
        Assert.Empty((await store.LoadAsync(MainlineState.Network, new DhtStateLimits())).Publications);
    }

    // Each put of the mutable item is a new entry in the SQLite file (the first two flushed apart,
    // the last two in one flush); the restarted node serves the last, the highest seq.
    [Fact]
    public async Task Restart_MutableItemPutFourTimesSqlite_ServesTheLatestSequence()
    {
        string directory = Directory.CreateTempSubdirectory("dhtnet-restore-").FullName;
        try
        {
            await using var swarm = SimulatedSwarm.Create(0);
            var store = SqliteStateStore.Open(directory, timeProvider: swarm.Clock);
            var endPoint = new IPEndPoint(IPAddress.Parse("10.9.9.9"), 6881);
            var first = swarm.StartNode(swarm.Template with { StateStore = store, BootstrapNodes = [] }, endPoint);
            var putter = swarm.StartNode(swarm.Template with { BootstrapNodes = [endPoint.ToString()] });
            var key = Ed25519KeyPair.Generate();
            NodeId target = default;
            for (int seq = 1; seq <= 4; seq++)
            {
                var put = swarm.Run(putter.PutAsync(key, System.Text.Encoding.ASCII.GetBytes($"i{seq}e"), sequence: seq));
                Assert.Equal(1, put.Stored);
                target = put.Target;
                if (seq <= 2)
                {
                    await store.FlushAsync();
                }
            }

            // Awaited off the virtual clock: the simulation would advance it while SQLite works on the disk.
            await swarm.RemoveNodeAsync(first);
            swarm.Run(swarm.RemoveNodeAsync(putter).AsTask());
            await store.DisposeAsync();

            await using var reopened = SqliteStateStore.Open(directory, timeProvider: swarm.Clock);
            var restarted = swarm.StartNode(
                swarm.Template with { StateStore = reopened, BootstrapNodes = [] },
                endPoint,
                node => node.RestoreStateAsync().GetAwaiter().GetResult());
            var asker = swarm.StartNode(swarm.Template with { BootstrapNodes = [endPoint.ToString()] });

            Assert.Equal(1, restarted.Items.Count);
            var item = swarm.Run(asker.GetAsync(target));
            Assert.NotNull(item);
            Assert.Equal(4, item.Sequence);
            Assert.Equal("i4e"u8.ToArray(), item.Value.ToArray());
            await swarm.RemoveNodeAsync(restarted);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // A store outlives the nodes that record into it (an embedder's, a test's): each node's journals
    // go when it is disposed, so a thousand nodes leave none behind.
    [Fact]
    public async Task DisposeAsync_ThousandNodesOnOneStore_JournalsDoNotAccumulate()
    {
        var clock = new VirtualTimeProvider();
        await using var store = new InMemoryStateStore(timeProvider: clock);
        var network = new InMemoryNetwork(clock);
        for (int i = 0; i < 1_000; i++)
        {
            var node = new DhtNode(network.CreateTransport(), new DhtOptions { TimeProvider = clock, StateStore = store, BootstrapNodes = [] });
            Assert.Equal(2, store.JournalCount); // its peers' and its items'
            await node.DisposeAsync();
            Assert.Equal(0, store.JournalCount);
        }

        network.Dispose();
    }

    [Fact]
    public async Task Restore_MoreThanTheCaps_KeepsTheCaps()
    {
        var clock = new VirtualTimeProvider();
        await using var store = new InMemoryStateStore(timeProvider: clock);
        var infoHash = NodeId.Random();
        for (int i = 0; i < 50; i++)
        {
            var peer = new IPEndPoint(new IPAddress([10, 0, 1, (byte)(i + 1)]), 6881);
            byte[] address = new byte[6];
            CompactEncoding.WritePeer(peer, address);
            store.RecordPeer(MainlineState.Network, new SavedPeer(infoHash.ToArray(), address, false, clock.GetUtcNow() + TimeSpan.FromMinutes(i % 30 + 1)));
        }

        store.RecordPeer(MainlineState.Network, new SavedPeer(infoHash.ToArray(), [1, 2, 3], false, clock.GetUtcNow() + TimeSpan.FromMinutes(5)));
        await using var node = new DhtNode(new InMemoryNetwork(clock).CreateTransport(), new DhtOptions
        {
            TimeProvider = clock,
            StateStore = store,
            BootstrapNodes = [],
            MaxPeersPerInfohash = 20,
        });
        await node.RestoreStateAsync();

        Assert.Equal(20, node.Peers.Count);
        clock.Advance(TimeSpan.FromMinutes(25));
        Assert.InRange(node.Peers.Count, 1, 20);
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(0, node.Peers.Count);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 64)]
    public void EncodeItem_ThenDecode_GivesTheSameItem(bool mutable, int saltLength)
    {
        var key = Ed25519KeyPair.Generate();
        byte[] salt = new byte[saltLength];
        var target = mutable ? ItemRules.MutableTarget(key.PublicKey.Span, salt) : NodeId.Sha1(Value);
        var item = mutable
            ? new DhtItem(target, true, Value, key.PublicKey, salt, 42, new byte[64])
            : new DhtItem(target, false, Value, default, default, 0, default);

        byte[] encoded = MainlineState.EncodeItem(item);
        var decoded = MainlineState.DecodeItem(target, encoded);

        Assert.NotNull(decoded);
        Assert.Equal(item.Value.ToArray(), decoded.Value.ToArray());
        Assert.Equal(item.PublicKey.ToArray(), decoded.PublicKey.ToArray());
        Assert.Equal(item.Salt.ToArray(), decoded.Salt.ToArray());
        Assert.Equal(item.Sequence, decoded.Sequence);
        Assert.Equal(item.IsMutable, decoded.IsMutable);

        // A record cut short anywhere, or under another target, is not an item.
        for (int length = 0; length < encoded.Length - Value.Length + 1; length++)
        {
            Assert.Null(MainlineState.DecodeItem(target, encoded[..length]));
        }

        Assert.Null(MainlineState.DecodeItem(NodeId.Random(), encoded));
    }
}
