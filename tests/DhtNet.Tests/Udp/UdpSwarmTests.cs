using System.Net;
using Xunit.Abstractions;

namespace DhtNet.Tests.Udp;

/// <summary>
/// The real-socket run: 30 nodes on UDP over 127.0.0.1, in real time, doing what the
/// in-memory swarm tests do — query, findpeer, provide and findprovs.
/// </summary>
public sealed class UdpSwarmTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int SwarmSize = 30;
    private const int K = 8;

    // Generous for loopback (answers take well under a millisecond) yet far below the test's own limit.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly List<DhtNode> _nodes = [];
    private readonly Random _random = new(30);

    public async Task InitializeAsync()
    {
        // Each node bootstraps from the first node and two others already running, as a node on the
        // real network does from a router and a saved table.
        for (int i = 0; i < SwarmSize; i++)
        {
            var bootstrap = new List<string>();
            if (i > 0)
            {
                bootstrap.Add(_nodes[0].LocalEndPoints[0].ToString());
                bootstrap.Add(_nodes[_random.Next(i)].LocalEndPoints[0].ToString());
                bootstrap.Add(_nodes[_random.Next(i)].LocalEndPoints[0].ToString());
            }

            var node = new DhtNode(
                new UdpTransport([new IPEndPoint(IPAddress.Loopback, 0)]),
                new DhtOptions
                {
                    BootstrapNodes = bootstrap.Distinct().ToList(),
                    Port = 0,
                    NodeId = NodeId.Random(_random),
                    RequestTimeout = TimeSpan.FromSeconds(1),
                });
            _nodes.Add(node);
            await node.StartAsync().WaitAsync(Limit);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task QueryAsync_ThirtyUdpNodes_ReturnsTrueClosest()
    {
        Assert.All(_nodes, n => Assert.Equal(IPAddress.Loopback, n.LocalEndPoints[0].Address));
        Assert.All(_nodes, n => Assert.True(n.RoutingTableSize >= K, $"{n.Id} knows only {n.RoutingTableSize} nodes"));

        for (int i = 0; i < 20; i++)
        {
            var target = NodeId.Random(_random);
            var asker = _nodes[_random.Next(_nodes.Count)];
            var result = await asker.QueryAsync(target).WaitAsync(Limit);
            var expected = _nodes.Where(n => n != asker).Select(n => n.Id).OrderBy(id => id.Xor(target)).Take(K);
            Assert.Equal(expected, result.Nodes.Select(n => n.Id));
            Assert.True(result.Statistics.Answered >= K);
        }
    }

    [Fact]
    public async Task FindPeerAsync_ThirtyUdpNodes_EveryNodeFindsOthers()
    {
        // The first node finds everyone, and every node finds one other far from it in the list.
        var pairs = _nodes.Skip(1).Select(n => (From: _nodes[0], To: n))
            .Concat(_nodes.Select((n, i) => (From: n, To: _nodes[(i + 11) % _nodes.Count])));
        foreach (var (from, to) in pairs)
        {
            var endPoint = await from.FindPeerAsync(to.Id).WaitAsync(Limit);
            Assert.Equal(to.LocalEndPoints[0], endPoint);
        }

        Assert.Null(await _nodes[5].FindPeerAsync(NodeId.Random(_random)).WaitAsync(Limit));
    }

    [Fact]
    public async Task ProvideAndFindProviders_ThirtyUdpNodes_EveryNodeFindsEachProvider()
    {
        var providers = new[] { _nodes[3], _nodes[14], _nodes[27] };
        var infoHashes = providers.Select(_ => NodeId.Random(_random)).ToArray();
        for (int i = 0; i < providers.Length; i++)
        {
            var provided = await providers[i].ProvideAsync(infoHashes[i], 7000 + i).WaitAsync(Limit);
            output.WriteLine($"provider {i}: stored on {provided.Stored} nodes");
            Assert.True(provided.Stored >= K - 1, $"only {provided.Stored} nodes stored the announce");
        }

        foreach (var node in _nodes)
        {
            for (int i = 0; i < providers.Length; i++)
            {
                var found = await ToListAsync(node.FindProvidersAsync(infoHashes[i], maxProviders: 5)).WaitAsync(Limit);
                var peer = Assert.Single(found);
                Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000 + i), peer);
            }
        }
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> stream)
    {
        var list = new List<T>();
        await foreach (var item in stream)
        {
            list.Add(item);
        }

        return list;
    }
}
