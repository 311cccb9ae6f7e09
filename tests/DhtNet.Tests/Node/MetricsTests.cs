using System.Diagnostics.Metrics;

namespace DhtNet.Tests.Node;

/// <summary>DhtOptions.MeterFactory: the node's counters, gauges and lookup durations reach a MeterListener.</summary>
public class MetricsTests
{
    [Fact]
    public async Task Node_WithMeterFactory_PublishesCountersGaugesAndLookupDurations()
    {
        await using var swarm = SimulatedSwarm.Create(40, seed: 61);
        using var factory = new ScopedMeterFactory();
        using var listener = new MeterListener();
        var longs = new Dictionary<string, long>();
        var ints = new Dictionary<(string Name, string? Family), int>();
        var lookups = new List<(string? Operation, double Seconds)>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => longs[instrument.Name] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => ints[(instrument.Name, Tag(tags, "family"))] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "dhtnet.lookup.duration")
            {
                lookups.Add((Tag(tags, "operation"), value));
            }
        });
        listener.Start();

        var node = swarm.StartNode(swarm.Template with { MeterFactory = factory, NodeId = NodeId.Random(swarm.Random), BootstrapNodes = swarm.PickBootstrap() });
        var infoHash = NodeId.Random(swarm.Random);
        swarm.Run(swarm.Nodes[5].ProvideAsync(infoHash, 6000));
        swarm.Run(swarm.Nodes[7].ProvideAsync(infoHash, 6001));
        swarm.Run(node.QueryAsync(NodeId.Random(swarm.Random)));
        Assert.Equal(2, swarm.Collect(node.FindProvidersAsync(infoHash)).Count);
        listener.RecordObservableInstruments();

        // Counters are the dispatcher's own counts, not a second tally.
        Assert.Equal(node.Dispatcher!.QueriesSent, longs["dhtnet.krpc.queries.sent"]);
        Assert.Equal(node.Dispatcher.ResponsesMatched, longs["dhtnet.krpc.responses.matched"]);
        Assert.True(longs["dhtnet.krpc.queries.sent"] > 10);

        // The routing-table gauge is the table's size; the simulation is IPv4 only.
        Assert.Equal(node.RoutingTableSize, ints[("dhtnet.routing.nodes", "ipv4")]);
        Assert.Equal(0, ints[("dhtnet.routing.nodes", "ipv6")]);
        Assert.True(node.RoutingTableSize > 0);
        Assert.Equal(0, ints[("dhtnet.peers.infohashes", null)]);

        // One duration per finished lookup, tagged with its operation, on the virtual clock.
        Assert.Contains(lookups, l => l.Operation == "bootstrap");
        Assert.Contains(lookups, l => l.Operation == "query" && l.Seconds > 0);
        Assert.Contains(lookups, l => l.Operation == "findprovs");
        Assert.All(lookups, l => Assert.True(l.Seconds < 60, $"{l.Operation} took {l.Seconds} s"));
    }

    [Fact]
    public async Task Node_Storing_GaugesFollowTheStores()
    {
        await using var swarm = SimulatedSwarm.Create(30, seed: 62);
        using var factory = new ScopedMeterFactory();
        var node = swarm.StartNode(swarm.Template with { MeterFactory = factory, NodeId = NodeId.Random(swarm.Random), BootstrapNodes = swarm.PickBootstrap() });
        using var listener = new MeterListener();
        var values = new Dictionary<string, long>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();

        // Announce three infohashes straight to our node, and put an item on the network (it keeps a copy).
        for (int i = 0; i < 3; i++)
        {
            var asker = swarm.Nodes[i];
            var infoHash = NodeId.Random(swarm.Random);
            var reply = Assert.IsType<GetPeersResponse>(swarm.Run(asker.Dispatcher!.SendQueryAsync(new GetPeersQuery(asker.Id, infoHash), node.LocalEndPoints[0], TimeSpan.FromSeconds(3))).Response);
            Assert.True(swarm.Run(asker.Dispatcher.SendQueryAsync(new AnnouncePeerQuery(asker.Id, infoHash, 7000, reply.Token), node.LocalEndPoints[0], TimeSpan.FromSeconds(3))).IsResponse);
        }

        swarm.Run(node.PutAsync("i42e"u8.ToArray()));
        listener.RecordObservableInstruments();

        Assert.Equal(3, values["dhtnet.peers.infohashes"]);
        Assert.Equal(3, values["dhtnet.peers.stored"]);
        Assert.True(values["dhtnet.peers.bytes"] > 0);
        Assert.Equal(1, values["dhtnet.items.stored"]);
        Assert.True(values["dhtnet.items.bytes"] > 0);
        Assert.Equal(0, values["dhtnet.queries.rate_limited"]);
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
