using System.Net;
using DhtNet.Cli.Api;
using DhtNet.Cli.Swarm;

namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// A node serving the HTTP API on 127.0.0.1 (port 0), joined to a swarm of 12 DhtNodes on real UDP
/// on 127.0.0.1, as `dht node --api` runs it: its transport observed, its API on Kestrel.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private LocalNetwork? _swarm;
    private DhtNode? _node;
    private ApiHost? _api;

    public IReadOnlyList<DhtNode> Swarm => _swarm!.Nodes;

    public DhtNode Node => _node!;

    internal ApiNode ApiNode => _api!.Node;

    public string Url => _api!.Url;

    public HttpClient Http => _api!.Http;

    public async Task InitializeAsync()
    {
        _swarm = await LocalNetwork.StartAsync(12);
        var activity = new NodeActivity(TimeProvider.System);
        var udp = new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)]);
        _node = new DhtNode(udp, new DhtOptions
        {
            MeterFactory = activity.Meters,
            BootstrapNodes = [_swarm.BootstrapAddress],
            RequestTimeout = TimeSpan.FromSeconds(1),
        });
        var apiNode = new ApiNode(_node, activity);
        await _node.StartAsync();
        _api = await ApiHost.StartAsync(apiNode);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_swarm is not null)
        {
            await _swarm.DisposeAsync();
        }
    }

    /// <summary>POSTs an RPC command and returns the status and the body's lines.</summary>
    public Task<(HttpStatusCode Status, IReadOnlyList<string> Lines)> RpcAsync(string pathAndQuery, HttpContent? body = null) =>
        _api!.RpcAsync(pathAndQuery, body);

    public static string RandomKey() => NodeId.Random().ToString();
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "HTTP API";
}
