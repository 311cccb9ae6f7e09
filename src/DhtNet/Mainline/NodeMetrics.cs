using System.Diagnostics.Metrics;
using System.Net.Sockets;
using DhtNet.Lookup;
using DhtNet.Mainline.Storage;

namespace DhtNet.Mainline;

/// <summary>
/// The node's instruments on the "DhtNet.Mainline" meter (the KRPC counters are on "DhtNet.Krpc"):
/// gauges of the routing tables and stores, queries refused by the rate limit, and the duration
/// of every lookup, tagged with its operation. Gauges read the live structures; nothing is counted twice.
/// </summary>
internal sealed class NodeMetrics
{
    public const string MeterName = "DhtNet.Mainline";

    private readonly Histogram<double> _lookupDuration;

    public NodeMetrics(IMeterFactory factory, Func<DualStackTables?> tables, PeerStore peers, ItemStore items, Func<long> rateLimited)
    {
        var meter = factory.Create(MeterName);
        meter.CreateObservableGauge(
            "dhtnet.routing.nodes",
            () => tables() is { } t
                ? [Family(t, AddressFamily.InterNetwork, "ipv4"), Family(t, AddressFamily.InterNetworkV6, "ipv6")]
                : Array.Empty<Measurement<int>>(),
            description: "Nodes in the routing table of each address family");
        meter.CreateObservableGauge("dhtnet.peers.infohashes", () => peers.InfohashCount, description: "Infohashes with stored peers");
        meter.CreateObservableGauge("dhtnet.peers.stored", () => peers.Count, description: "Peers stored for all infohashes");
        meter.CreateObservableGauge("dhtnet.peers.bytes", () => peers.EstimatedBytes, unit: "By", description: "Estimated memory of the peer store");
        meter.CreateObservableGauge("dhtnet.items.stored", () => items.Count, description: "BEP 44 items stored");
        meter.CreateObservableGauge("dhtnet.items.bytes", () => items.EstimatedBytes, unit: "By", description: "Estimated memory of the item store");
        meter.CreateObservableCounter("dhtnet.queries.rate_limited", rateLimited, description: "Queries left unanswered because their sender was over its rate");
        _lookupDuration = meter.CreateHistogram<double>("dhtnet.lookup.duration", unit: "s", description: "Duration of finished lookups, by operation");
    }

    public void LookupCompleted(string operation, LookupStatistics statistics) =>
        _lookupDuration.Record(statistics.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

    private static Measurement<int> Family(DualStackTables tables, AddressFamily family, string name) =>
        new(tables.CountOf(family), new KeyValuePair<string, object?>("family", name));
}
