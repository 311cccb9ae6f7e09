namespace DhtNet.Tests.Simulation;

/// <summary>The simulator's warm build, offline nodes and lookup survey on networks of a few hundred nodes.</summary>
public sealed class WarmBuildTests
{
    [Fact]
    public void Build_EveryDepth_HoldsUpToKNodesOfTheSiblingSubtree()
    {
        var random = new Random(3);
        var nodes = Enumerable.Range(0, 300)
            .Select(i => new NodeInfo(NodeId.Random(random), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1000 + i)))
            .ToArray();
        var tables = WarmTables.Build(nodes, 8, new Random(4));
        for (int i = 0; i < nodes.Length; i++)
        {
            var self = nodes[i].Id;
            Assert.DoesNotContain(tables[i], n => n.Id == self);
            Assert.Equal(tables[i].Count, tables[i].Select(n => n.Id).Distinct().Count());
            // Per depth (shared prefix length), min(K, how many nodes have that depth) entries: a full split table.
            var byDepth = tables[i].GroupBy(n => n.Id.CommonPrefixLength(self)).ToDictionary(g => g.Key, g => g.Count());
            foreach (var group in nodes.Where(n => n.Id != self).GroupBy(n => n.Id.CommonPrefixLength(self)))
            {
                Assert.Equal(Math.Min(8, group.Count()), byDepth.GetValueOrDefault(group.Key));
            }
        }
    }

    [Fact]
    public void Build_SameSeed_SameTables()
    {
        var random = new Random(5);
        var nodes = Enumerable.Range(0, 50).Select(i => new NodeInfo(NodeId.Random(random), new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1000 + i))).ToArray();
        var first = WarmTables.Build(nodes, 8, new Random(9));
        var second = WarmTables.Build(nodes, 8, new Random(9));
        Assert.Equal(first.Select(t => t.Select(n => n.Id)), second.Select(t => t.Select(n => n.Id)));
    }

    [Fact]
    public async Task AddNodesWarm_400Nodes_NoDatagramSentAndLookupsFindTrueClosest()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 7 });
        int reported = 0;
        simulation.AddNodesWarm(400, new Progress(n => reported = n));
        Assert.Equal(400, reported);
        Assert.Equal(0, simulation.Network.DatagramsSent);
        Assert.All(simulation.Nodes, n => Assert.True(n.RoutingTableSize >= 8, $"{n.Id} holds {n.RoutingTableSize} nodes"));

        var probe = simulation.AddNode();
        var lookups = LookupSurvey.Run(simulation, probe, 30);
        Assert.Equal(30, lookups.Count);
        Assert.All(lookups, l => Assert.True(l.ExactK, $"lookup of {l.Target} missed the true closest"));
        Assert.All(lookups, l => Assert.True(l.Datagrams >= l.Queried));
    }

    [Fact]
    public async Task SetOffline_FifthOfNodes_TakenOffAndLookupsReturnOnlyLiveNodes()
    {
        await using var simulation = new DhtSimulation(new DhtSimulationOptions { Seed = 8 });
        simulation.AddNodesWarm(300);
        var probe = simulation.AddNode();
        var dead = simulation.SetOffline(0.2, except: probe);
        Assert.Equal(60, dead.Count);
        Assert.DoesNotContain(probe, dead);
        Assert.All(dead, n => Assert.False(simulation.IsOnline(n)));
        Assert.Equal(241, simulation.Nodes.Count(simulation.IsOnline));

        var lookups = LookupSurvey.Run(simulation, probe, 20);
        var summary = SurveySummary.Of(lookups);
        Assert.True(summary.ExactK >= 0.9, $"exact K {summary.ExactK}");
        // Dead nodes are still in the tables, so some lookups ask them and get no answer.
        Assert.Contains(lookups, l => l.Queried > l.Answered);
    }

    [Fact]
    public void Percentile_NearestRank_MatchesDefinition()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, SurveySummary.Percentile(sorted, 50));
        Assert.Equal(9, SurveySummary.Percentile(sorted, 90));
        Assert.Equal(10, SurveySummary.Percentile(sorted, 99));
        Assert.Equal(1, SurveySummary.Percentile(sorted, 0));
    }

    [Fact]
    public void SvgPlot_Cdf_IsWellFormedXmlWithOneStepPerValue()
    {
        var svg = SvgPlot.Cdf("a <title>", "ms", [300, 100, 200]);
        var document = System.Xml.Linq.XDocument.Parse(svg);
        var polyline = document.Descendants().Single(e => e.Name.LocalName == "polyline");
        Assert.Equal(1 + (2 * 3), polyline.Attribute("points")!.Value.Split(' ').Length);
        Assert.Contains("a &lt;title&gt;", svg);
        var histogram = System.Xml.Linq.XDocument.Parse(SvgPlot.Histogram("queries", "n", [3, 3, 5]));
        Assert.Equal(2, histogram.Descendants().Count(e => e.Name.LocalName == "rect" && e.Element(e.Name.Namespace + "title") is not null));
    }

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
