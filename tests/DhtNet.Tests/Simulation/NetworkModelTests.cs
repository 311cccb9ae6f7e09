namespace DhtNet.Tests.Simulation;

/// <summary>The simulator's network models: per-link latency, lying nodes and churn, on a few hundred nodes.</summary>
public sealed class NetworkModelTests
{
    [Fact]
    public void LogNormal_Median_IsTheMiddleQuantile()
    {
        var delay = LinkLatency.LogNormal(TimeSpan.FromMilliseconds(40), 0.5);
        Assert.Equal(40, delay(0.5).TotalMilliseconds, 1);
        Assert.True(delay(0.99) > TimeSpan.FromMilliseconds(120) && delay(0.99) < TimeSpan.FromMilliseconds(135), $"{delay(0.99)}");
        Assert.True(delay(0.01) < delay(0.5));
    }

    [Fact]
    public async Task LinkLatency_OneLink_SameDelayBothWaysAndLinksDiffer()
    {
        var clock = new VirtualTimeProvider();
        using var network = new InMemoryNetwork(clock, new InMemoryNetworkOptions
        {
            Latency = TimeSpan.Zero,
            LinkLatency = LinkLatency.Uniform(TimeSpan.Zero, TimeSpan.FromSeconds(1)),
        });
        var a = network.CreateTransport();
        var b = network.CreateTransport();
        var c = network.CreateTransport();
        var arrivals = new Dictionary<string, TimeSpan>();
        long start = clock.GetTimestamp();
        a.Start((_, from) => arrivals[$"{from}->a"] = clock.GetElapsedTime(start));
        b.Start((_, from) => arrivals[$"{from}->b"] = clock.GetElapsedTime(start));
        c.Start((_, from) => arrivals[$"{from}->c"] = clock.GetElapsedTime(start));
        a.Send([1], b.EndPoint);
        b.Send([1], a.EndPoint);
        a.Send([1], c.EndPoint);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(arrivals[$"{a.EndPoint}->b"], arrivals[$"{b.EndPoint}->a"]);
        Assert.NotEqual(arrivals[$"{a.EndPoint}->b"], arrivals[$"{a.EndPoint}->c"]);
        await a.DisposeAsync();
    }

    [Fact]
    public async Task SetLiars_DropQueries_LiarsNeverAnswerAndLookupsStillFindTheHonestClosest()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 11 });
        simulation.AddNodesWarm(300);
        var probe = simulation.AddNode();
        var liars = simulation.SetLiars(0.1, Liar.DropQueries, except: probe);
        Assert.Equal(30, liars.Count);
        Assert.All(liars, l => Assert.False(simulation.Answers(l)));
        Assert.All(liars, l => Assert.True(simulation.IsOnline(l)));
        Assert.Null(simulation.Run(probe.PingAsync(liars[0].LocalEndPoints[0])));

        var summary = SurveySummary.Of(LookupSurvey.Run(simulation, probe, 20));
        Assert.True(summary.ExactK >= 0.9, $"exact K {summary.ExactK}");
    }

    [Fact]
    public async Task SetLiars_RandomFarNodes_ResponsesCarryRandomNodesOfTheNetwork()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 12 });
        simulation.AddNodesWarm(300);
        var probe = simulation.AddNode();
        var liar = simulation.SetLiars(0.01, Liar.RandomFarNodes, except: probe).First();
        Assert.True(simulation.Answers(liar));

        // A find_node response naming 8 made-up nodes goes out naming 8 nodes of the network instead;
        // a query goes out unchanged.
        var madeUp = new byte[8 * 26];
        new Random(1).NextBytes(madeUp);
        var response = Krpc("r", new BencodeDictionary([new("id"u8.ToArray(), new BencodeString(liar.Id.ToArray())), new("nodes"u8.ToArray(), new BencodeString(madeUp))]));
        var filter = simulation.TransportOf(liar).SendFilter!;
        var sent = BencodeValue.Parse(filter(response, probe.LocalEndPoints[0])!) as BencodeDictionary;
        var nodes = ((BencodeString)((BencodeDictionary)sent!["r"]!)["nodes"]!).Bytes.ToArray();
        Assert.Equal(madeUp.Length, nodes.Length);
        var ids = simulation.Nodes.Select(n => n.Id).ToHashSet();
        for (int at = 0; at < nodes.Length; at += 26)
        {
            Assert.Contains(new NodeId(nodes.AsSpan(at, 20)), ids);
        }

        var query = Krpc("q", new BencodeDictionary([new("id"u8.ToArray(), new BencodeString(liar.Id.ToArray()))]));
        Assert.Same(query, filter(query, probe.LocalEndPoints[0]));
    }

    private static byte[] Krpc(string kind, BencodeDictionary body) => new BencodeDictionary(
    [
        new(System.Text.Encoding.ASCII.GetBytes(kind == "q" ? "a" : kind), body),
        new("t"u8.ToArray(), new BencodeString("aa"u8)),
        new("y"u8.ToArray(), new BencodeString(kind)),
    ]).Encode();

    [Fact]
    public async Task Churn_WithoutRefresh_LeavesAndJoinsTheRatesAtOnce()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 13 });
        simulation.AddNodesWarm(200);
        var probe = simulation.AddNode();
        var (left, joined) = simulation.Churn(
            new ChurnOptions { Duration = TimeSpan.FromMinutes(5), LeavesPerMinute = 0.02, JoinsPerMinute = 0.01, Refresh = false }, probe);
        Assert.Equal(20, left);
        Assert.Equal(10, joined);
        Assert.Equal(211, simulation.Nodes.Count);
        Assert.Equal(191, simulation.Nodes.Count(simulation.IsOnline));
        Assert.True(simulation.IsOnline(probe));
        Assert.True(SurveySummary.Of(LookupSurvey.Run(simulation, probe, 10)).ExactK >= 0.8);
    }

    [Fact]
    public async Task Churn_WithRefresh_SpreadsOverTheDuration()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 14 });
        simulation.AddNodesWarm(100);
        long start = simulation.Clock.GetTimestamp();
        var (left, joined) = simulation.Churn(new ChurnOptions { Duration = TimeSpan.FromMinutes(2), LeavesPerMinute = 0.05, JoinsPerMinute = 0.05 });
        Assert.Equal((10, 10), (left, joined));
        Assert.True(simulation.Clock.GetElapsedTime(start) >= TimeSpan.FromMinutes(2));
    }
}
