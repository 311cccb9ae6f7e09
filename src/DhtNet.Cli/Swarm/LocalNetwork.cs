using System.Net;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Swarm;

/// <summary>
/// A DHT of <see cref="DhtNode"/>s on 127.0.0.1, each on its own UDP socket, for trying every
/// operation on a machine without internet (`dht swarm`) and for tests.
/// </summary>
internal sealed class LocalNetwork : IAsyncDisposable
{
    // Nodes started at once; each bootstraps from a few that run already.
    private const int Wave = 8;
    private const int BootstrapContacts = 3;

    private readonly List<DhtNode> _nodes = [];

    private LocalNetwork()
    {
    }

    public IReadOnlyList<DhtNode> Nodes => _nodes;

    /// <summary>"127.0.0.1:port" of the first node, to bootstrap other programs from.</summary>
    public string BootstrapAddress => _nodes[0].LocalEndPoints[0].ToString();

    /// <summary>
    /// Starts <paramref name="count"/> nodes: a first one, then waves of nodes that each bootstrap
    /// from a few random earlier ones. <paramref name="progress"/> gets the number running.
    /// </summary>
    public static async Task<LocalNetwork> StartAsync(
        int count,
        ILoggerFactory? loggers = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var network = new LocalNetwork();
        var random = new Random();
        try
        {
            await network.StartNodesAsync(1, [], loggers, cancellationToken);
            progress?.Report(1);
            while (network._nodes.Count < count)
            {
                int wave = Math.Min(Wave, count - network._nodes.Count);
                var contacts = network._nodes
                    .OrderBy(_ => random.Next())
                    .Take(BootstrapContacts)
                    .Select(n => n.LocalEndPoints[0].ToString())
                    .ToList();
                await network.StartNodesAsync(wave, contacts, loggers, cancellationToken);
                progress?.Report(network._nodes.Count);
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
    }

    private async Task StartNodesAsync(int count, IReadOnlyList<string> bootstrap, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        var nodes = new List<DhtNode>();
        for (int i = 0; i < count; i++)
        {
            var transport = new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)], loggers?.CreateLogger<UdpTransport>());
            nodes.Add(new DhtNode(transport, new DhtOptions
            {
                BootstrapNodes = bootstrap,
                // On loopback an answer takes well under a millisecond; only a dead node waits this long.
                RequestTimeout = TimeSpan.FromSeconds(1),
                LoggerFactory = loggers,
            }));
        }

        _nodes.AddRange(nodes);
        await Task.WhenAll(nodes.Select(n => n.StartAsync(cancellationToken)));
    }
}
