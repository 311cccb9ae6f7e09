using System.Net;
using DhtNet.Cli.Api;

namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// The HTTP API of a node running the IPFS DHT only, on 127.0.0.1 (port 0), joined to a local IPFS network of
/// <see cref="PeerCount"/> DhtNet nodes on real libp2p TCP on 127.0.0.1; its node sends through a
/// <see cref="KadObserver"/>, as `dht node --api` runs it. (The interop project compiles this file too, for the
/// JavaScript clients.)
/// </summary>
public sealed class IpfsApiFixture : IAsyncLifetime
{
    public const int PeerCount = 8;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<(LibP2pHost Host, IpfsDhtNode Node, PrivateKey Key)> _peers = [];
    private LibP2pHost? _host;
    private IpfsDhtNode? _node;
    private ApiHost? _api;

    /// <summary>The other nodes of the network.</summary>
    public IReadOnlyList<(LibP2pHost Host, IpfsDhtNode Node, PrivateKey Key)> Peers => _peers;

    public IpfsDhtNode Node => _node!;

    public LibP2pHost Host => _host!;

    public PrivateKey Key { get; } = Ed25519PrivateKey.Generate();

    internal IpfsNetwork Network => _api!.Node.Ipfs!;

    public string Url => _api!.Url;

    public HttpClient Http => _api!.Http;

    public async Task InitializeAsync()
    {
        for (int i = 0; i < PeerCount; i++)
        {
            var key = Ed25519PrivateKey.Generate();
            var (host, node, _) = await StartAsync(key, null, null);
            _peers.Add((host, node, key));
        }

        var activity = new NodeActivity(TimeProvider.System);
        var (apiHost, apiNode, observer) = await StartAsync(Key, activity, messenger => new KadObserver(messenger, activity));
        _host = apiHost;
        _node = apiNode;

        // Everyone joins through peer 0, then looks itself up again until the API node knows most of the network.
        var seed = new PeerInfo(_peers[0].Host.PeerId, [_peers[0].Host.ListenAddresses[0]]);
        foreach (var (_, node, _) in _peers.Skip(1))
        {
            await node.BootstrapAsync([seed]);
        }

        using var deadline = new CancellationTokenSource(Patience);
        await _node.BootstrapAsync([seed], deadline.Token);
        while (_node.Table.Count < PeerCount - 1 || _peers.Any(p => p.Node.Table.Count < PeerCount / 2))
        {
            deadline.Token.ThrowIfCancellationRequested();
            await _node.BootstrapAsync(cancellationToken: deadline.Token);
            foreach (var (_, node, _) in _peers)
            {
                await node.BootstrapAsync(cancellationToken: deadline.Token);
            }
        }

        var network = new IpfsNetwork(_node, _host, Key, (KadObserver)observer);
        _api = await ApiHost.StartAsync(new ApiNode(null, activity, network));
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        _node?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        foreach (var (host, node, _) in _peers)
        {
            node.Dispose();
            await host.DisposeAsync();
        }
    }

    /// <summary>POSTs an RPC command and returns the status and the body's lines.</summary>
    public Task<(HttpStatusCode Status, IReadOnlyList<string> Lines)> RpcAsync(string pathAndQuery, HttpContent? body = null) =>
        _api!.RpcAsync(pathAndQuery, body);

    /// <summary>A multipart body of one file, as the JavaScript clients send one.</summary>
    public static MultipartFormDataContent File(byte[] data, string name = "file")
    {
        var content = new MultipartFormDataContent();
        content.Add(new ByteArrayContent(data), "file", name);
        return content;
    }

    private static async Task<(LibP2pHost Host, IpfsDhtNode Node, IKadMessenger Sender)> StartAsync(PrivateKey key, NodeActivity? activity, Func<IKadMessenger, IKadMessenger>? wrap)
    {
        var host = new LibP2pHost(key, new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        var messenger = new LibP2pKadMessenger(host);
        IKadMessenger sender = wrap?.Invoke(messenger) ?? messenger;

        var node = new IpfsDhtNode(sender, new IpfsDhtNodeOptions { LookupSoftTimeout = TimeSpan.FromSeconds(1), MeterFactory = activity?.Meters });
        messenger.Serve(node);
        await host.StartAsync();
        node.Start();
        return (host, node, sender);
    }
}

[CollectionDefinition(Name)]
public sealed class IpfsApiCollection : ICollectionFixture<IpfsApiFixture>
{
    public const string Name = "HTTP API on IPFS";
}
