using Xunit.Abstractions;

namespace DhtNet.Tests.Ipfs;

/// <summary>
/// One 2,000-server network shared by the tests of <see cref="IpfsLookupRobustnessTests"/>, built without loss,
/// with ten client nodes that retry unanswered requests (the default, three tries) and ten that do not.
/// </summary>
public sealed class RobustnessNetwork
{
    public const int Servers = 2_000;

    public RobustnessNetwork()
    {
        Net = KadTestNetwork.Build(Servers, 20, loss: 0, seed: 11, options: (i, client) => new IpfsDhtNodeOptions
        {
            ClientMode = client,
            Random = new Random(i),
            LookupSoftTimeout = TimeSpan.FromSeconds(1),
            RequestAttempts = i >= Servers + 10 ? 1 : 3,
        });
    }

    internal KadTestNetwork Net { get; }

    internal IReadOnlyList<IpfsDhtNode> Retrying => Net.Clients[..10];

    internal IReadOnlyList<IpfsDhtNode> NotRetrying => Net.Clients[10..];
}

/// <summary>
/// Lookups on 2,000 in-memory IPFS DHT servers that lose messages or meet lying peers still find the exact
/// k closest servers: a lost request or reply is tried again (bounded, with backoff), and a liar's random
/// far peers never push the true closest out of a lookup that also hears from honest peers.
/// </summary>
public sealed class IpfsLookupRobustnessTests(RobustnessNetwork fixture, ITestOutputHelper output) : IClassFixture<RobustnessNetwork>
{
    private const int Lookups = 40;
    private readonly KadTestNetwork _net = fixture.Net;

    private int ExactLookups(IReadOnlyList<IpfsDhtNode> from, int seed)
    {
        var random = new Random(seed);
        int exact = 0;
        for (int i = 0; i < Lookups; i++)
        {
            var node = from[i % from.Count];
            var key = new byte[34];
            random.NextBytes(key);
            var found = _net.Run(node.QueryAsync(key)).Select(p => p.Id).ToArray();
            exact += found.SequenceEqual(_net.TrueClosest(key, node)) ? 1 : 0;
        }

        return exact;
    }

    [Fact]
    public void QueryAsync_5PercentLoss_RetriesFindTheExactClosestSet()
    {
        try
        {
            _net.Network.Loss = 0;
            int lossless = ExactLookups(fixture.Retrying, 1);
            _net.Network.Loss = 0.05;
            int retrying = ExactLookups(fixture.Retrying, 2);
            int notRetrying = ExactLookups(fixture.NotRetrying, 2);
            output.WriteLine($"exact k closest of {Lookups} lookups: no loss {lossless}; 5 % loss with retries {retrying}, without {notRetrying}");

            Assert.Equal(Lookups, lossless);
            Assert.True(retrying >= Lookups - 1, $"with 5 % loss and retries only {retrying} of {Lookups} lookups found the exact closest set");
            Assert.True(retrying > notRetrying, $"retries found {retrying}, single tries {notRetrying}");
        }
        finally
        {
            _net.Network.Loss = 0;
        }
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.2)]
    public void QueryAsync_LyingPeers_FindsTheExactClosestSet(double liars)
    {
        var random = new Random(5);
        var honest = new List<IpfsDhtNode>();
        foreach (var server in _net.Servers)
        {
            if (random.NextDouble() < liars)
            {
                _net.Network.Liars.Add(server.PeerId);
            }
            else
            {
                honest.Add(server);
            }
        }

        try
        {
            int exact = ExactLookups(honest, 3);
            output.WriteLine($"{_net.Network.Liars.Count} lying servers: {exact} of {Lookups} lookups exact");
            Assert.Equal(Lookups, exact);
        }
        finally
        {
            _net.Network.Liars.Clear();
        }
    }
}
