using DhtNet.Tests.Ipfs;

namespace DhtNet.Tests.Persistence;

/// <summary>
/// IPNS names published with a key other than the node's own, kept alive across a restart: the node saves the key
/// in its state store (a file of mode 0600 with the SQLite store) and signs the name's record again after the restart
/// without being given the key; names are capped (IpfsDhtNodeOptions.MaxPublishedNames).
/// </summary>
public sealed class IpnsNameKeyTests : IAsyncLifetime
{
    private const int K = KadTestNetwork.K;

    private static readonly byte[] IpnsValue = "/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"u8.ToArray();

    private readonly string _directory = Directory.CreateTempSubdirectory("dht-ipns-keys-").FullName;
    private readonly KadTestNetwork _net = KadTestNetwork.Build(30, 0, loss: 0, seed: 16);
    private SqliteStateStore? _store;
    private IpfsDhtNode? _node;

    private SqliteStateStore Store => _store!;

    private IpfsDhtNode Node => _node!;

    public Task InitializeAsync()
    {
        _store = SqliteStateStore.Open(_directory, timeProvider: _net.Clock);
        _net.Servers[0].Dispose();
        Restart();
        Assert.NotEmpty(Run(Node.BootstrapAsync([new PeerInfo(_net.Servers[1].PeerId, [_net.Network.AddressOf(_net.Servers[1])])])));
        foreach (var server in _net.Servers.Skip(1))
        {
            server.Start();
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _node?.Dispose();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Restart_NameOfAnotherKey_RepublishedWithTheSavedKey()
    {
        var other = Ed25519PrivateKey.Generate();
        var recordKey = IpnsRecord.KeyFor(other.PeerId);
        Assert.True(Run(Node.PublishAsync(other, IpnsValue)) >= K);

        // The key is a secret file beside the node's own keys: owner read/write only.
        string file = Assert.Single(Directory.GetFiles(Path.Combine(_directory, "keys"), $"*{IpfsState.NameKeyName(other.PeerId)}*"));
        Assert.Equal(other.Marshal(), await File.ReadAllBytesAsync(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        // Down for 10 hours: the record would have been republished twice (every 4 h). The restarted node was
        // given only its own identity, yet signs the other name's record again, with the same value and seq.
        _net.Clock.Advance(TimeSpan.FromHours(1));
        Node.Dispose();
        _net.Clock.Advance(TimeSpan.FromHours(10));
        var restarted = _net.Clock.GetUtcNow();
        Restart(identity: _net.Keys[Node.PeerId]);
        Assert.Equal([other.PeerId], Node.PublishedNames);
        Assert.NotEmpty(Run(Node.BootstrapAsync()));
        Run(Node.Republishing);

        var holder = _net.Servers.Skip(1).MinBy(s => s.Key.Xor(Key256.Sha256(recordKey)))!;
        var record = IpnsRecord.Parse(holder.Records.Get(recordKey)!.Value.Span);
        Assert.True(record.Validity >= restarted + IpnsPublisher.Validity, $"validity {record.Validity:O}, restarted {restarted:O}");
        Assert.Equal(IpnsValue, record.Value.ToArray());
        Assert.Equal(0UL, record.Sequence);
    }

    [Fact]
    public async Task PublishAsync_PastMaxPublishedNames_ThrowsBeforeSavingTheKey()
    {
        Node.Dispose();
        Restart(maxNames: 1);
        var first = Ed25519PrivateKey.Generate();
        var second = Ed25519PrivateKey.Generate();
        Run(Node.PublishAsync(first, IpnsValue));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Node.PublishAsync(second, IpnsValue));
        Assert.Contains("1 IPNS names", error.Message);
        Assert.Contains("MaxPublishedNames", error.Message);
        Assert.Null(await Store.LoadIdentityKeyAsync(IpfsState.Network, IpfsState.NameKeyName(second.PeerId)));

        // The name already kept can change, and a stopped one frees its place.
        Run(Node.PublishAsync(first, "/ipfs/changed"u8.ToArray()));
        Assert.True(Node.StopPublishing(first.PeerId));
        Run(Node.PublishAsync(second, IpnsValue));
        Assert.Equal([second.PeerId], Node.PublishedNames);
    }

    // Reading the state back runs on the store's own thread in real time, outside the virtual clock (as in IpfsRestoreTests).
    private void Restart(PrivateKey? identity = null, int maxNames = IpnsPublisher.DefaultMaxNames)
    {
        var options = new IpfsDhtNodeOptions
        {
            IdentityKey = identity,
            MaxPublishedNames = maxNames,
            StateStore = Store,
            LookupSoftTimeout = TimeSpan.FromSeconds(1),
            Random = new Random(0),
        };
        _node = _net.Network.Restart(_node ?? _net.Servers[0], options);
        Assert.True(Node.RestoreStateAsync().Wait(TimeSpan.FromSeconds(30)), "the saved state was not read back within 30 s");
        Run(Node.StartAsync());
    }

    // Synchronously: a hop to the thread pool would let the virtual clock run on while the continuation waits for a thread.
    private void Run(Task task) =>
        _net.Run(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

    private T Run<T>(Task<T> task) => _net.Run(task);
}
