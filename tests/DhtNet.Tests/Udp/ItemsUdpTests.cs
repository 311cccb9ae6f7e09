using System.Net;
using DhtNet.Tests.Items;

namespace DhtNet.Tests.Udp;

/// <summary>
/// Eight DhtNodes on real UDP sockets on 127.0.0.1, bootstrapped from the first, and a read-only
/// reader (BEP 43: nobody stores on it, so its gets always go over the network); shared by the tests below.
/// </summary>
public sealed class LoopbackNetwork : IAsyncLifetime
{
    public const int Size = 8;

    public List<DhtNode> Nodes { get; } = [];

    public DhtNode Reader { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var random = new Random(8);
        for (int i = 0; i < Size; i++)
        {
            var node = new DhtNode(new DhtOptions
            {
                BindAddresses = [IPAddress.Loopback],
                Port = 0,
                NodeId = NodeId.Random(random),
                BootstrapNodes = i == 0 ? [] : [Nodes[0].LocalEndPoints[0].ToString(), Nodes[i - 1].LocalEndPoints[0].ToString()],
                RequestTimeout = TimeSpan.FromSeconds(2),
            });
            Nodes.Add(node);
            await node.StartAsync(timeout.Token);
        }

        Reader = new DhtNode(new DhtOptions
        {
            BindAddresses = [IPAddress.Loopback],
            Port = 0,
            ReadOnly = true,
            BootstrapNodes = [Nodes[0].LocalEndPoints[0].ToString()],
            RequestTimeout = TimeSpan.FromSeconds(2),
        });
        await Reader.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync();
        }

        await Reader.DisposeAsync();
    }
}

/// <summary>bittorrent-dht's put/get scenarios over real UDP on 127.0.0.1 (real time; each operation has a timeout).</summary>
public class ItemsUdpTests(LoopbackNetwork network) : IClassFixture<LoopbackNetwork>
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(30);

    private DhtNode Node(int index) => network.Nodes[index];

    private DhtNode Reader => network.Reader;

    [Fact]
    public async Task PutAsync_Immutable_OtherNodeGetsIt()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        Assert.All(network.Nodes, n => Assert.True(n.RoutingTableSize > 0));
        byte[] value = "d3:udpi1ee"u8.ToArray();
        var put = await Node(1).PutAsync(value, timeout.Token);
        Assert.True(put.Stored >= LoopbackNetwork.Size / 2, $"only {put.Stored} of {put.Asked} stored it");

        var got = await Reader.GetAsync(put.Target, cancellationToken: timeout.Token);
        Assert.Equal(value, got!.Value.ToArray());
        Assert.False(got.IsMutable);
        Assert.True(got.Statistics.Answered > 0);
    }

    [Fact]
    public async Task PutAsync_MutableSequenceZeroOneTwoWith999Bytes_GetReturnsEachVersion()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var keyPair = Ed25519KeyPair.Generate();
        for (int version = 0; version < 3; version++)
        {
            byte[] value = ItemValues.StringOfLength(999, (char)('0' + version));
            var put = await Node(2).PutAsync(keyPair, value, cancellationToken: timeout.Token);
            Assert.Equal(version, put.Sequence);
            Assert.True(put.Stored >= LoopbackNetwork.Size / 2, $"only {put.Stored} of {put.Asked} stored seq {version}");

            var got = await Reader.GetAsync(put.Target, cancellationToken: timeout.Token);
            Assert.Equal(version, got!.Sequence);
            Assert.Equal(value, got.Value.ToArray());
        }
    }

    [Fact]
    public async Task PutAsync_TwoSalts_TwoKeys()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var keyPair = Ed25519KeyPair.Generate();
        var a = await Node(3).PutAsync(keyPair, ItemValues.Text("salted a"), "a"u8.ToArray(), cancellationToken: timeout.Token);
        var b = await Node(3).PutAsync(keyPair, ItemValues.Text("salted b"), "b"u8.ToArray(), cancellationToken: timeout.Token);
        Assert.NotEqual(a.Target, b.Target);
        Assert.Equal(ItemValues.Text("salted a"), (await Reader.GetAsync(a.Target, "a"u8.ToArray(), timeout.Token))!.Value.ToArray());
        Assert.Equal(ItemValues.Text("salted b"), (await Reader.GetAsync(b.Target, "b"u8.ToArray(), timeout.Token))!.Value.ToArray());
    }

    [Fact]
    public async Task PutAsync_LowerSequence_Refused302AndGetReturnsNewer()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var keyPair = Ed25519KeyPair.Generate();
        var newer = await Node(4).PutAsync(keyPair, ItemValues.Text("newer"), sequence: 7, cancellationToken: timeout.Token);
        var error = await Assert.ThrowsAsync<DhtPutException>(
            () => Node(1).PutAsync(keyPair, ItemValues.Text("older"), sequence: 6, cancellationToken: timeout.Token));
        Assert.Equal(KrpcErrorCode.SequenceNumberLessThanCurrent, error.Code);

        var got = await Reader.GetAsync(newer.Target, cancellationToken: timeout.Token);
        Assert.Equal(7, got!.Sequence);
        Assert.Equal(ItemValues.Text("newer"), got.Value.ToArray());
    }

    [Fact]
    public async Task PutAsync_Cas_SucceedsThenRefused301()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var keyPair = Ed25519KeyPair.Generate();
        await Node(5).PutAsync(keyPair, ItemValues.Text("c1"), sequence: 1, cancellationToken: timeout.Token);
        var swapped = await Node(5).PutAsync(keyPair, ItemValues.Text("c2"), sequence: 2, cas: 1, cancellationToken: timeout.Token);
        Assert.True(swapped.Stored >= LoopbackNetwork.Size / 2);

        var error = await Assert.ThrowsAsync<DhtPutException>(
            () => Node(6).PutAsync(keyPair, ItemValues.Text("c3"), sequence: 3, cas: 1, cancellationToken: timeout.Token));
        Assert.Equal(KrpcErrorCode.CasMismatch, error.Code);
        Assert.Equal(2, (await Reader.GetAsync(swapped.Target, cancellationToken: timeout.Token))!.Sequence);
    }

    [Fact]
    public async Task PutAsync_StringKey_ReadBackHereAndElsewhere()
    {
        using var timeout = new CancellationTokenSource(OperationTimeout);
        var owner = Node(7);
        var put = await owner.PutAsync("profile", ItemValues.Text("over udp"), timeout.Token);
        Assert.Equal(ItemValues.Text("over udp"), (await owner.GetAsync("profile", timeout.Token))!.Value.ToArray());
        var elsewhere = await Reader.GetAsync(owner.IdentityKey.PublicKey, "profile", timeout.Token);
        Assert.Equal(ItemValues.Text("over udp"), elsewhere!.Value.ToArray());
        Assert.Equal(put.Target, elsewhere.Target);
    }
}
