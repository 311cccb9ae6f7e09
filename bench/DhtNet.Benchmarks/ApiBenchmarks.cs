using System.Net;
using BenchmarkDotNet.Attributes;
using DhtNet.Cli.Api;
using DhtNet.Cli.Swarm;
using Microsoft.Extensions.Logging.Abstractions;

namespace DhtNet.Benchmarks;

/// <summary>
/// findprovs through the HTTP API against the same lookup through the library, on a swarm of 16
/// nodes on 127.0.0.1 (real UDP): what the HTTP layer (Kestrel, argument checks, NDJSON) adds to
/// a provider lookup. Requests per second = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
[ExceptionDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
public class ApiBenchmarks
{
    private LocalNetwork _swarm = null!;
    private DhtNode _node = null!;
    private ApiNode _apiNode = null!;
    private ApiServer _server = null!;
    private HttpClient _http = null!;
    private NodeId _infoHash;
    private string _request = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _swarm = await LocalNetwork.StartAsync(16);
        var activity = new NodeActivity(TimeProvider.System);
        _node = new DhtNode(new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)]), new DhtOptions
        {
            MeterFactory = activity.Meters,
            BootstrapNodes = [_swarm.BootstrapAddress],
            RequestTimeout = TimeSpan.FromSeconds(1),
            MaxQueriesPerSecondPerAddress = 1_000_000,
        });
        _apiNode = new ApiNode(_node, activity);
        await _node.StartAsync();
        _server = await ApiServer.StartAsync(new ApiSettings(new IPEndPoint(IPAddress.Loopback, 0), null), _apiNode, NullLoggerFactory.Instance);
        _http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        _infoHash = NodeId.Random(new Random(7));
        await _swarm.Nodes[5].ProvideAsync(_infoHash, 6881);
        _request = $"/api/v0/routing/findprovs?arg={_infoHash}&num-providers=1";
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _apiNode.Dispose();
        await _node.DisposeAsync();
        await _swarm.DisposeAsync();
    }

    [Benchmark(Baseline = true)]
    public Task<int> FindProvidersLibrary() => ApiRequests.FindOneAsync(_node.FindProvidersAsync(_infoHash, 1));

    [Benchmark]
    public Task<int> FindProvidersHttp() => ApiRequests.PostAsync(_http, _request, "/tcp/6881");
}
