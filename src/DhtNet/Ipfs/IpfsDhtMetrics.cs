using System.Diagnostics.Metrics;
using DhtNet.Internal;
using DhtNet.Ipfs.Messages;

namespace DhtNet.Ipfs;

/// <summary>
/// The IPFS node's instruments on the "DhtNet.Ipfs" meter: requests served by message type and lookups run
/// (observable counters over plain fields, so the hot path only increments), and gauges of the routing
/// table and the provider and record stores. The meter outlives the node, so it holds the node weakly.
/// </summary>
internal sealed class IpfsDhtMetrics
{
    public const string MeterName = "DhtNet.Ipfs";

    private static readonly string[] TypeNames = ["put_value", "get_value", "add_provider", "get_providers", "find_node", "ping"];

    private readonly long[] _served = new long[TypeNames.Length];
    private long _lookups;

    public IpfsDhtMetrics(IMeterFactory? factory, IpfsDhtNode node)
    {
        if (factory is null)
        {
            return;
        }

        var meter = factory.Create(MeterName);
        var weak = new WeakReference<IpfsDhtNode>(node);
        meter.CreateObservableCounter("dhtnet.ipfs.queries.served", Served, description: "Kad requests answered, by message type");
        meter.CreateObservableCounter("dhtnet.ipfs.lookups", () => Volatile.Read(ref _lookups), description: "Iterative lookups started");
        WeakGauge.Create(meter, weak, "dhtnet.ipfs.routing.peers", null, "Peers in the routing table", static n => n.Table.Count);
        WeakGauge.Create(meter, weak, "dhtnet.ipfs.providers.keys", null, "Keys with provider records", static n => n.Providers.KeyCount);
        WeakGauge.Create(meter, weak, "dhtnet.ipfs.providers.bytes", "By", "Estimated memory of the provider store", static n => n.Providers.Bytes);
        WeakGauge.Create(meter, weak, "dhtnet.ipfs.records.stored", null, "Value records stored", static n => n.Records.Count);
        WeakGauge.Create(meter, weak, "dhtnet.ipfs.records.bytes", "By", "Bytes of the record store", static n => n.Records.Bytes);
    }

    public void RequestServed(KadMessageType type)
    {
        if ((uint)type < (uint)_served.Length)
        {
            Interlocked.Increment(ref _served[(int)type]);
        }
    }

    public void LookupStarted() => Interlocked.Increment(ref _lookups);

    private IEnumerable<Measurement<long>> Served()
    {
        var measurements = new Measurement<long>[TypeNames.Length];
        for (int i = 0; i < measurements.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref _served[i]), new KeyValuePair<string, object?>("type", TypeNames[i]));
        }

        return measurements;
    }
}
