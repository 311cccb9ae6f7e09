using System.Net;
using DhtNet.Cli.Swarm;

namespace DhtNet.Tests.Cli;

/// <summary>
/// A few DhtNodes on real UDP on 127.0.0.1 for the CLI tests to bootstrap from (the same network
/// `dht swarm` forms, with fewer nodes).
/// </summary>
public sealed class LoopbackSwarm : IAsyncLifetime
{
    private LocalNetwork? _network;

    public IReadOnlyList<DhtNode> Nodes => _network!.Nodes;

    /// <summary>"127.0.0.1:port" of one node, for --bootstrap.</summary>
    public string Bootstrap => _network!.BootstrapAddress;

    public static IPEndPoint EndPoint(DhtNode node) => node.LocalEndPoints[0];

    public async Task InitializeAsync() => _network = await LocalNetwork.StartAsync(12);

    public async Task DisposeAsync()
    {
        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
    }
}
