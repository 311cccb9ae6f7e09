namespace DhtNet.Tests.Ipfs;

/// <summary>
/// An IPFS DHT node whose host listens on 0.0.0.0 and :: is found through another node, by FIND_NODE and by
/// its provider record, at this machine's interface addresses, and is dialled at every one of them.
/// </summary>
public sealed class WildcardPeerRecordTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly List<IAsyncDisposable> _hosts = [];
    private readonly List<IpfsDhtNode> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task FindNodeAndGetProviders_NodeOnWildcard_RecordsCarryDialableAddressesOnly()
    {
        var (seedHost, _) = await StartNodeAsync("/ip4/127.0.0.1/tcp/0");
        var (wildHost, wild) = await StartNodeAsync("/ip4/0.0.0.0/tcp/0", "/ip6/::/tcp/0");
        Assert.Contains(wildHost.AdvertisedAddresses, a => a.Components[0].Protocol == MultiaddrProtocol.Ip4);
        Assert.Contains(wildHost.AdvertisedAddresses, a => a.Components[0].Protocol == MultiaddrProtocol.Ip6);

        // The wildcard node joins through the seed and provides there: the seed knows it only from identify and ADD_PROVIDER.
        await wild.BootstrapAsync([new PeerInfo(seedHost.PeerId, seedHost.AdvertisedAddresses)]);
        var cid = Cid.Hash("provided from a wildcard-bound node"u8);
        Assert.True(await wild.ProvideAsync(cid) > 0);

        var client = await StartHostAsync("/ip4/127.0.0.1/tcp/0");
        var messenger = new LibP2pKadMessenger(client);
        var seed = new PeerInfo(seedHost.PeerId, seedHost.AdvertisedAddresses);
        IReadOnlyList<Multiaddr> viaFindNode = [];
        await Eventually.UntilAsync(
            async () =>
            {
                var reply = await messenger.SendRequestAsync(seed, new KadMessage { Type = KadMessageType.FindNode, Key = wildHost.PeerId.Bytes });
                viaFindNode = Addresses(reply?.CloserPeers, wildHost.PeerId);
                return viaFindNode.Count > 0;
            },
            "the seed names the wildcard node in FIND_NODE",
            Patience);
        var providers = await messenger.SendRequestAsync(seed, new KadMessage { Type = KadMessageType.GetProviders, Key = cid.Multihash.Bytes });
        var viaProvider = Addresses(providers?.ProviderPeers, wildHost.PeerId);

        Assert.Equal(wildHost.AdvertisedAddresses, viaFindNode);
        Assert.Equal(wildHost.AdvertisedAddresses, viaProvider);
        foreach (var address in viaFindNode)
        {
            Assert.False(UnspecifiedAddresses.IsUnspecified(address));
            var dialer = await StartHostAsync(address.Components[0].Protocol == MultiaddrProtocol.Ip4 ? "/ip4/127.0.0.1/tcp/0" : "/ip6/::1/tcp/0");
            var connection = await dialer.ConnectAsync(address.WithPeerId(wildHost.PeerId));
            Assert.Equal(address, connection.RemoteAddress);
            Assert.True(await dialer.PingAsync(wildHost.PeerId) > TimeSpan.Zero);
        }
    }

    private static IReadOnlyList<Multiaddr> Addresses(IReadOnlyList<KadPeer>? peers, PeerId peer) =>
        peers?.Select(p => p.TryToPeerInfo(out var info) ? info : null).FirstOrDefault(p => p?.Id == peer)?.Multiaddrs ?? [];

    private async Task<LibP2pHost> StartHostAsync(params string[] listen)
    {
        var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [.. listen.Select(Multiaddr.Parse)] });
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    private async Task<(LibP2pHost Host, IpfsDhtNode Node)> StartNodeAsync(params string[] listen)
    {
        var host = new LibP2pHost(Ed25519PrivateKey.Generate(), new LibP2pHostOptions { ListenAddresses = [.. listen.Select(Multiaddr.Parse)] });
        _hosts.Add(host);
        var messenger = new LibP2pKadMessenger(host, new LibP2pKadMessengerOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
        var node = new IpfsDhtNode(messenger);
        _nodes.Add(node);
        messenger.Serve(node);
        await host.StartAsync();
        node.Start();
        return (host, node);
    }
}
