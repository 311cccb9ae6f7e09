using DhtNet.Tests.Ipfs;

namespace DhtNet.Tests.Persistence;

/// <summary>
/// An IPFS node with a state store, stopped and started again on a virtual clock: the provider records and
/// records other peers stored on it are served again until they expire, what it provides is re-announced on
/// its 22 h schedule across the restart, its IPNS name is republished, and its table comes back from the
/// saved contacts.
/// </summary>
public sealed class IpfsRestoreTests
{
    private const int K = KadTestNetwork.K;

    private static readonly byte[] IpnsValue = "/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"u8.ToArray();

    private readonly InMemoryStateStore _store;
    private readonly KadTestNetwork _net;
    private IpfsDhtNode _node;

    public IpfsRestoreTests()
    {
        _net = KadTestNetwork.Build(40, 0, loss: 0, seed: 15, options: (i, client) => Options(i, client, null));
        // Every restore reads through LoadAsync, which writes what waits first; a 5 s flush on the virtual clock
        // would only wake the flush thread some 30,000 times for the 40 h the tests let pass.
        _store = new InMemoryStateStore(new DhtStateStoreOptions { FlushInterval = TimeSpan.FromHours(1) }, timeProvider: _net.Clock);
        _net.Servers[0].Dispose();
        _node = _net.Network.Restart(_net.Servers[0], Options(0, false, _store));
        StartNode();
        Assert.NotEmpty(Run(_node.BootstrapAsync([Info(_net.Servers[1])])));
        foreach (var server in _net.Servers.Skip(1))
        {
            server.Start();
        }
    }

    private PrivateKey Key => _net.Keys[_node.PeerId];

    [Theory]
    [InlineData(1, true, true)]
    [InlineData(9, false, true)]
    [InlineData(25, false, false)]
    public void Restart_AfterDowntime_AnswersGetProvidersAndGetValueForWhatHasNotExpired(int hoursDown, bool oldServed, bool recordServed)
    {
        var asker = _net.Servers[5];
        var oldProvider = _net.Servers[2];
        var newProvider = _net.Servers[3];
        var oldKey = Cid.Hash("announced 40 h before the restart"u8).Multihash.Bytes.ToArray();
        var newKey = Cid.Hash("announced just before the restart"u8).Multihash.Bytes.ToArray();
        var name = _net.Keys[newProvider.PeerId];
        var recordKey = IpnsRecord.KeyFor(name.PeerId);

        Announce(oldKey, oldProvider);
        _net.Clock.Advance(TimeSpan.FromHours(40));
        Announce(newKey, newProvider);

        // Valid for 24 h from now: served until then, not after.
        var record = IpnsRecord.Create(name, IpnsValue, 3, _net.Clock.GetUtcNow() + TimeSpan.FromHours(24), TimeSpan.FromHours(1));
        Assert.Equal(KadHandlerOutcome.Reply, _node.HandleRequest(new KadMessage { Type = KadMessageType.PutValue, Key = recordKey, Record = new KadRecord(recordKey, record) }, newProvider.PeerId, []).Outcome);

        _node.Dispose();
        _net.Clock.Advance(TimeSpan.FromHours(hoursDown));
        Restart();

        // Provider records live 48 h after their announcement; the record until its own validity ends.
        Assert.Equal(oldServed, Providers(oldKey).Contains(oldProvider.PeerId));
        Assert.Equal([newProvider.PeerId], Providers(newKey));
        var reply = _node.HandleRequest(new KadMessage { Type = KadMessageType.GetValue, Key = recordKey }, asker.PeerId, [_net.Network.AddressOf(asker)]).Reply!;
        Assert.Equal(recordServed, reply.Record is not null);
        if (recordServed)
        {
            Assert.Equal(record, reply.Record!.Value.ToArray());
        }

        List<PeerId> Providers(byte[] key) =>
            [.. _node.HandleRequest(new KadMessage { Type = KadMessageType.GetProviders, Key = key }, asker.PeerId, [_net.Network.AddressOf(asker)]).Reply!.ProviderPeers.Select(p => PeerId.FromBytes(p.Id.Span))];
    }

    [Fact]
    public void Restart_WithSmallerCaps_RestoresWithinThem()
    {
        var key = Cid.Hash("many providers"u8).Multihash.Bytes.ToArray();
        foreach (var provider in _net.Servers.Skip(1).Take(6))
        {
            Announce(key, provider);
            _net.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        _node.Dispose();
        Restart(new ProviderStoreOptions { MaxProvidersPerKey = 2 });

        // The two announced last are kept.
        Assert.Equal([.. _net.Servers.Skip(5).Take(2).Select(s => s.PeerId)], _node.Providers.Get(key).Select(p => p.Id));
    }

    [Fact]
    public void Restart_ProvidedCid_ReannouncedEvery22HoursAcrossTheRestart()
    {
        var cid = Cid.Hash("provided by the restarted node"u8);
        Assert.True(Run(_node.ProvideAsync(cid)) >= K);
        _net.Clock.Advance(TimeSpan.FromHours(10));
        _node.Dispose();
        Restart();
        Assert.True(_node.IsProviding(cid));
        Assert.NotEmpty(Run(_node.BootstrapAsync()));

        // Announced at 0 h, again at 22 h and 44 h: at 50 h the peers still hold it (a record lives 48 h).
        _net.Clock.Advance(TimeSpan.FromHours(40));
        int holders = _net.Servers.Skip(1).Count(s => s.Providers.Get(cid.Multihash.Bytes.Span).Any(p => p.Id == _node.PeerId));
        Assert.True(holders >= K, $"{holders} peers hold the provider record at 50 h");
    }

    [Fact]
    public void Restart_PublishedName_RepublishedAfterTheJoinAndEvery4Hours()
    {
        var recordKey = IpnsRecord.KeyFor(_node.PeerId);
        var start = _net.Clock.GetUtcNow();
        Assert.True(Run(_node.PublishAsync(Key, IpnsValue)) >= K);
        var published = Validity();
        Assert.InRange(published!.Value, start + IpnsPublisher.Validity, _net.Clock.GetUtcNow() + IpnsPublisher.Validity);

        _net.Clock.Advance(TimeSpan.FromHours(1));
        _node.Dispose();
        Restart();
        var restarted = _net.Clock.GetUtcNow();
        Assert.Equal([_node.PeerId], _node.PublishedNames);

        // Joined from the saved contacts alone (no seeds given), then republished with a fresh validity (by the
        // join, or by the housekeeping pass before it once peers that asked us filled the table).
        Assert.NotEmpty(Run(_node.BootstrapAsync()));
        Assert.True(_node.Table.Count >= K);
        Run(_node.Republishing);
        var republished = Validity()!.Value;
        Assert.True(republished >= restarted + IpnsPublisher.Validity, $"validity {republished:O}, restarted {restarted:O}");

        // The value and the sequence stay; the next round is 4 h later.
        var record = IpnsRecord.Parse(Holder().Records.Get(recordKey)!.Value.Span);
        Assert.Equal(IpnsValue, record.Value.ToArray());
        Assert.Equal(0UL, record.Sequence);
        var before = _node.Republishing;
        _net.Clock.Advance(IpnsPublisher.RepublishInterval + _node.Options.HousekeepingInterval);
        Assert.NotSame(before, _node.Republishing);
        Run(_node.Republishing);
        Assert.True(Validity() >= republished + IpnsPublisher.RepublishInterval);

        IpfsDhtNode Holder() => _net.Servers.Skip(1).MinBy(s => s.Key.Xor(Key256.Sha256(recordKey)))!;
        DateTimeOffset? Validity() => Holder().Records.Get(recordKey) is { } held ? IpnsRecord.Parse(held.Value.Span).Validity : null;
    }

    [Fact]
    public async Task Restart_Contacts_SavedWithTheirAddresses()
    {
        var state = await _store.LoadAsync(IpfsState.Network, new DhtStateLimits());
        Assert.True(state.Contacts.Count >= K);
        foreach (var contact in state.Contacts)
        {
            var peer = _net.Servers.Single(s => s.PeerId == PeerId.FromBytes(contact.Id));
            Assert.Equal(new[] { _net.Network.AddressOf(peer) }, IpfsState.DecodeAddresses(contact.Address)!.ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void DecodeAddresses_RoundTripAndEveryTruncation(int count)
    {
        var addresses = Enumerable.Range(0, count).Select(i => Multiaddr.Parse($"/ip4/10.0.0.{i}/tcp/{4000 + i}")).ToArray();
        byte[] blob = IpfsState.EncodeAddresses(addresses);
        Assert.Equal(addresses, IpfsState.DecodeAddresses(blob)!.ToArray());
        for (int length = 0; length < blob.Length; length++)
        {
            // A cut blob is refused, or (cut between two addresses) reads as the ones before the cut.
            var read = IpfsState.DecodeAddresses(blob.AsSpan(0, length));
            Assert.True(read is null || addresses.Take(read.Count).SequenceEqual(read), $"cut at {length}");
        }
    }

    // A node's journals are closed when it is disposed and let go at the store's next flush: a
    // thousand nodes on one store, flushed every hundred, leave at most a hundred nodes' worth.
    [Fact]
    public async Task Dispose_ThousandNodesOnOneStore_JournalsLetGoAtTheNextFlush()
    {
        _node.Dispose();
        await _store.FlushAsync();
        Assert.Equal(0, _store.JournalCount);
        for (int i = 1; i <= 1_000; i++)
        {
            _node = _net.Network.Restart(_node, Options(0, false, _store));
            _node.Dispose();
            Assert.InRange(_store.JournalCount, 2, 2 * 100);
            if (i % 100 == 0)
            {
                await _store.FlushAsync();
                Assert.Equal(0, _store.JournalCount);
            }
        }
    }

    private static IpfsDhtNodeOptions Options(int index, bool client, IDhtStateStore? store, ProviderStoreOptions? providers = null, PrivateKey? identity = null) => new()
    {
        IdentityKey = identity,
        ClientMode = client,
        Random = new Random(index),
        LookupSoftTimeout = TimeSpan.FromSeconds(1),
        FreshnessInterval = TimeSpan.FromHours(6),
        StateStore = store,
        Providers = providers ?? new ProviderStoreOptions(),
    };

    private PeerInfo Info(IpfsDhtNode node) => new(node.PeerId, [_net.Network.AddressOf(node)]);

    private void Announce(byte[] key, IpfsDhtNode provider) =>
        _node.HandleRequest(new KadMessage { Type = KadMessageType.AddProvider, Key = key, ProviderPeers = [KadPeer.FromPeerInfo(Info(provider))] }, provider.PeerId, [_net.Network.AddressOf(provider)]);

    private void Restart(ProviderStoreOptions? providers = null)
    {
        _node = _net.Network.Restart(_node, Options(0, false, _store, providers, Key));
        StartNode();
    }

    // Reading the state back waits for the store's gate, which its flush thread may hold: real-time work
    // that an async task does not show (Run sees it waiting and would run the clock), so it is waited for
    // here. Were the clock run meanwhile, hours of protocol time could pass before the node starts and
    // expire what the test expects it to serve.
    private void StartNode()
    {
        Assert.True(_node.RestoreStateAsync().Wait(TimeSpan.FromSeconds(30)), "the saved state was not read back within 30 s");
        Run(_node.StartAsync());
    }

    private void Run(Task task) => _net.Run(task);

    private T Run<T>(Task<T> task) => _net.Run(task);
}
