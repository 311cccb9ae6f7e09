using System.Net;
using DhtNet.Cli.Hosting;
using Microsoft.Extensions.Logging;

namespace DhtNet.Cli.Swarm;

/// <summary>
/// A DHT of <see cref="DhtNode"/>s on 127.0.0.1, each on its own UDP socket, and beside it (when asked)
/// an IPFS DHT of <see cref="IpfsPeer"/>s, each a libp2p host on its own TCP port: for trying every
/// operation on a machine without internet (`dht swarm`) and for tests.
/// </summary>
internal sealed class LocalNetwork : IAsyncDisposable
{
    // Nodes started at once; each bootstraps from a few that run already.
    private const int Wave = 8;
    private const int BootstrapContacts = 3;

    // On loopback an answer takes well under a millisecond; only a dead node waits this long.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);

    private readonly List<DhtNode> _nodes = [];
    private readonly List<IpfsPeer> _ipfs = [];

    private LocalNetwork()
    {
    }

    /// <summary>The Mainline nodes.</summary>
    public IReadOnlyList<DhtNode> Nodes => _nodes;

    /// <summary>The IPFS DHT nodes (none unless asked for).</summary>
    public IReadOnlyList<IpfsPeer> IpfsPeers => _ipfs;

    /// <summary>"127.0.0.1:port" of the first Mainline node, to bootstrap other programs from.</summary>
    public string BootstrapAddress => _nodes[0].LocalEndPoints[0].ToString();

    /// <summary>The full multiaddr (ending in /p2p/) of the first IPFS node, to bootstrap other programs from.</summary>
    public string IpfsBootstrapAddress => _ipfs[0].Addrs[0].ToString();

    /// <summary>
    /// Starts <paramref name="count"/> Mainline nodes and <paramref name="ipfsCount"/> IPFS nodes: for each
    /// network a first one, then waves of nodes that each bootstrap from a few random earlier ones.
    /// <paramref name="progress"/> gets the number running (of both).
    /// </summary>
    public static async Task<LocalNetwork> StartAsync(
        int count,
        int ipfsCount = 0,
        ILoggerFactory? loggers = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(ipfsCount, 0);
        ArgumentOutOfRangeException.ThrowIfZero(count + ipfsCount, nameof(count));
        var network = new LocalNetwork();
        var random = new Random();
        try
        {
            while (network._nodes.Count < count)
            {
                int wave = network._nodes.Count == 0 ? 1 : Math.Min(Wave, count - network._nodes.Count);
                var contacts = network._nodes
                    .OrderBy(_ => random.Next())
                    .Take(BootstrapContacts)
                    .Select(n => n.LocalEndPoints[0].ToString())
                    .ToList();
                await network.StartNodesAsync(wave, contacts, loggers, cancellationToken);
                progress?.Report(network._nodes.Count);
            }

            while (network._ipfs.Count < ipfsCount)
            {
                int wave = network._ipfs.Count == 0 ? 1 : Math.Min(Wave, ipfsCount - network._ipfs.Count);
                var seeds = network._ipfs.OrderBy(_ => random.Next()).Take(BootstrapContacts).Select(p => p.Info).ToList();
                await network.StartIpfsPeersAsync(wave, seeds, loggers, cancellationToken);
                progress?.Report(network._nodes.Count + network._ipfs.Count);
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

        foreach (var peer in _ipfs)
        {
            await peer.DisposeAsync();
        }

        _nodes.Clear();
        _ipfs.Clear();
    }

    private async Task StartIpfsPeersAsync(int count, IReadOnlyList<PeerInfo> seeds, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        Multiaddr[] loopback = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")];
        var peers = new List<IpfsPeer>();
        for (int i = 0; i < count; i++)
        {
            var peer = await IpfsPeer.StartAsync(Ed25519PrivateKey.Generate(), loopback, loggers, requestTimeout: RequestTimeout, cancellationToken: cancellationToken);
            _ipfs.Add(peer);
            peers.Add(peer);
        }

        if (seeds.Count > 0)
        {
            await Task.WhenAll(peers.Select(p => p.BootstrapAsync(seeds, cancellationToken)));
        }
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
                RequestTimeout = RequestTimeout,
                LoggerFactory = loggers,
            }));
        }

        _nodes.AddRange(nodes);
        await Task.WhenAll(nodes.Select(n => n.StartAsync(cancellationToken)));
    }
}
