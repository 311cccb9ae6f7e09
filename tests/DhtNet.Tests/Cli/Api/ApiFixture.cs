using System.Net;
using DhtNet.Cli.Api;
using DhtNet.Cli.Swarm;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Tests.Cli.Api;

/// <summary>
/// A node serving the HTTP API on 127.0.0.1 (port 0), joined to a swarm of 12 DhtNodes on real UDP
/// on 127.0.0.1, as `dht node --api` runs it: its transport observed, its API on Kestrel.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    private LocalNetwork? _swarm;
    private DhtNode? _node;
    private ApiNode? _apiNode;
    private ApiServer? _server;

    public IReadOnlyList<DhtNode> Swarm => _swarm!.Nodes;

    public DhtNode Node => _node!;

    internal ApiNode ApiNode => _apiNode!;

    public string Url => _server!.Url;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

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
        _apiNode = new ApiNode(_node, activity);
        await _node.StartAsync();
        _server = await ApiServer.StartAsync(new ApiSettings(new IPEndPoint(IPAddress.Loopback, 0), null), _apiNode, NullLoggerFactory.Instance);
        Http.BaseAddress = new Uri(Url);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _apiNode?.Dispose();
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
    public async Task<(HttpStatusCode Status, IReadOnlyList<string> Lines)> RpcAsync(string pathAndQuery, HttpContent? body = null)
    {
        using var response = await Http.PostAsync(pathAndQuery, body);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public static string RandomKey() => NodeId.Random().ToString();
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "HTTP API";
}
