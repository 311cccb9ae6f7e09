using System.Net;
using BenchmarkDotNet.Attributes;
using DhtNet.Cli.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Benchmarks;

/// <summary>
/// findprovs on the IPFS DHT through the HTTP API against the same lookup through the library, on a network of
/// 12 IpfsDhtNodes over libp2p TCP on 127.0.0.1: what Kestrel, the argument checks, the observed messenger and
/// NDJSON add to a provider lookup (the Mainline twin is <see cref="ApiBenchmarks"/>). Requests per second = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
[ExceptionDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
public class IpfsApiBenchmarks
{
    private const int Peers = 12;

    private readonly List<(LibP2pHost Host, IpfsDhtNode Node)> _network = [];
    private IpfsDhtNode _node = null!;
    private ApiNode _apiNode = null!;
    private ApiServer _server = null!;
    private HttpClient _http = null!;
    private Cid _cid = null!;
    private string _request = "";
    private string _provider = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        for (int i = 0; i < Peers; i++)
        {
            var host = Loopback(Ed25519PrivateKey.Generate());
            var messenger = new LibP2pKadMessenger(host);
            var node = new IpfsDhtNode(messenger);
            messenger.Serve(node);
            await host.StartAsync();
            _network.Add((host, node));
        }

        // Provided before the API node joins, so that it holds no copy of the record (with fewer nodes than k, every
        // node takes one): each lookup below asks the network.
        var seed = new PeerInfo(_network[0].Host.PeerId, _network[0].Host.ListenAddresses);
        await JoinAsync(_network.Skip(1), seed);
        _cid = Cid.Hash("provided for the benchmark"u8);
        var provider = _network[5];
        if (await provider.Node.ProvideAsync(_cid) == 0)
        {
            throw new InvalidOperationException("no peer took the provider record");
        }

        _provider = provider.Host.PeerId.ToString();

        var key = Ed25519PrivateKey.Generate();
        var apiHost = Loopback(key);
        var activity = new NodeActivity(TimeProvider.System);
        var inner = new LibP2pKadMessenger(apiHost);
        var observer = new KadObserver(inner, activity);
        _node = new IpfsDhtNode(observer, new IpfsDhtNodeOptions { MeterFactory = activity.Meters });
        inner.Serve(_node);
        await apiHost.StartAsync();
        _network.Add((apiHost, _node));

        await JoinAsync([(apiHost, _node)], seed);
        if (_node.Providers.Get(_cid.Multihash.Bytes.Span).Count > 0)
        {
            throw new InvalidOperationException("the API node holds the provider record: the benchmark would measure no lookup");
        }

        _apiNode = new ApiNode(null, activity, new IpfsNetwork(_node, apiHost, key, observer));
        _server = await ApiServer.StartAsync(new ApiSettings(new IPEndPoint(IPAddress.Loopback, 0), null), _apiNode, NullLoggerFactory.Instance);
        _http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        _request = $"/api/v0/routing/findprovs?arg={_cid}&num-providers=1";
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _apiNode.Dispose();
        foreach (var (host, node) in _network)
        {
            node.Dispose();
            await host.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    public Task<int> FindProvidersLibrary() => ApiRequests.FindOneAsync(_node.FindProvidersAsync(_cid, 1));

    [Benchmark]
    public Task<int> FindProvidersHttp() => ApiRequests.PostAsync(_http, _request, _provider);

    private static async Task JoinAsync(IEnumerable<(LibP2pHost Host, IpfsDhtNode Node)> nodes, PeerInfo seed)
    {
        foreach (var (_, node) in nodes)
        {
            await node.BootstrapAsync([seed]);
            await node.BootstrapAsync();
        }
    }

    private static LibP2pHost Loopback(PrivateKey key) =>
        new(key, new LibP2pHostOptions { ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
}
