using System.Diagnostics.Metrics;
using System.Net.Sockets;
using DhtNet.Internal;
using DhtNet.Kademlia;

namespace DhtNet.Mainline;

/// <summary>
/// The node's instruments on the "DhtNet.Mainline" meter (the KRPC counters are on "DhtNet.Krpc"):
/// gauges of the routing tables and stores, queries refused by the rate limit, and the duration
/// of every lookup, tagged with its operation. Gauges read the live structures; nothing is counted
/// twice. The meter outlives the node (the factory owns it), so it holds the node weakly.
/// </summary>
internal sealed class NodeMetrics
{
    public const string MeterName = "DhtNet.Mainline";

    private readonly Histogram<double> _lookupDuration;

    public NodeMetrics(IMeterFactory factory, DhtNode node)
    {
        var meter = factory.Create(MeterName);
        var weak = new WeakReference<DhtNode>(node);
        meter.CreateObservableGauge(
            "dhtnet.routing.nodes",
            () => weak.TryGetTarget(out var n) && n.Tables is { } t
                ? [Family(t, AddressFamily.InterNetwork, "ipv4"), Family(t, AddressFamily.InterNetworkV6, "ipv6")]
                : Array.Empty<Measurement<int>>(),
            description: "Nodes in the routing table of each address family");
        WeakGauge.Create(meter, weak, "dhtnet.peers.infohashes", null, "Infohashes with stored peers", static n => n.Peers.InfohashCount);
        WeakGauge.Create(meter, weak, "dhtnet.peers.stored", null, "Peers stored for all infohashes", static n => n.Peers.Count);
        WeakGauge.Create(meter, weak, "dhtnet.peers.bytes", "By", "Estimated memory of the peer store", static n => n.Peers.EstimatedBytes);
        WeakGauge.Create(meter, weak, "dhtnet.items.stored", null, "BEP 44 items stored", static n => n.Items.Count);
        WeakGauge.Create(meter, weak, "dhtnet.items.bytes", "By", "Estimated memory of the item store", static n => n.Items.EstimatedBytes);
        meter.CreateObservableCounter(
            "dhtnet.queries.rate_limited",
            () => weak.TryGetTarget(out var n) ? [new Measurement<long>(n.QueriesRateLimited)] : Array.Empty<Measurement<long>>(),
            description: "Queries left unanswered because their sender was over its rate");
        _lookupDuration = meter.CreateHistogram<double>("dhtnet.lookup.duration", unit: "s", description: "Duration of finished lookups, by operation");
    }

    public void LookupCompleted(string operation, LookupStatistics statistics) =>
        _lookupDuration.Record(statistics.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

    private static Measurement<int> Family(DualStackTables tables, AddressFamily family, string name) =>
        new(tables.CountOf(family), new KeyValuePair<string, object?>("family", name));
}
