using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Text.Json;

namespace DhtNet.Cli.Api;

/// <summary>
/// The running node as the HTTP API sees it: its network behind the endpoints, what it is doing
/// (<see cref="NodeActivity"/>), and the snapshot the dashboard and `dht stats` read.
/// </summary>
internal sealed class ApiNode : IDisposable
{
    /// <summary>The CLI's own instruments (queries served by method, table size) beside the library's meters.</summary>
    public const string MeterName = "DhtNet.Cli.Node";

    private readonly Meter _meter;

    public ApiNode(DhtNode node, NodeActivity activity)
    {
        Network = new MainlineNetwork(node, activity);
        Node = node;
        Activity = activity;
        node.Warning += (_, e) => activity.Warn(e.ToString());
        node.LookupCompleted += (_, e) => activity.LookupCompleted(e);

        _meter = new Meter(MeterName);
        _meter.CreateObservableCounter("dhtnet.node.queries.served", () =>
            Enum.GetValues<KrpcMethod>().Select(m => new Measurement<long>(activity.Served(m), new KeyValuePair<string, object?>("method", MethodName(m)))),
            description: "Queries other nodes sent us, by method");
        _meter.CreateObservableGauge("dhtnet.node.routing_table.nodes", () =>
            Families.Select(f => new Measurement<int>(node.GetBuckets(f).Sum(b => b.Nodes.Count), new KeyValuePair<string, object?>("family", FamilyName(f)))),
            description: "Nodes in the routing table, by address family");
    }

    public IRoutingNetwork Network { get; }

    public DhtNode Node { get; }

    public NodeActivity Activity { get; }

    private IEnumerable<AddressFamily> Families => Node.LocalEndPoints.Select(e => e.AddressFamily).Distinct();

    /// <summary>Everything the dashboard shows at one instant, as one JSON object.</summary>
    public void WriteSnapshot(Utf8JsonWriter w)
    {
        var node = Node;
        w.WriteString("network"u8, Network.Name);
        w.WriteString("id"u8, node.Id.ToString());
        w.WriteString("peerId"u8, Network.Self.Id);
        w.WriteStartArray("addresses"u8);
        foreach (string address in Network.Self.Addrs)
        {
            w.WriteStringValue(address);
        }

        w.WriteEndArray();
        w.WriteNumber("k"u8, node.Options.K);
        w.WriteNumber("now"u8, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        w.WriteStartArray("tables"u8);
        foreach (var family in Families)
        {
            w.WriteStartObject();
            w.WriteString("family"u8, FamilyName(family));
            w.WriteStartArray("buckets"u8);
            foreach (var bucket in node.GetBuckets(family))
            {
                w.WriteStartObject();
                w.WriteNumber("depth"u8, bucket.Depth);
                w.WriteString("prefix"u8, bucket.Prefix.ToString()[..Math.Max(1, (bucket.Depth + 3) / 4)]);
                w.WriteNumber("nodes"u8, bucket.Nodes.Count);
                w.WriteNumber("good"u8, bucket.Nodes.Count(n => n.State == NodeState.Good));
                w.WriteNumber("replacements"u8, bucket.Replacements.Count);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("served"u8);
        foreach (var method in Enum.GetValues<KrpcMethod>())
        {
            w.WriteNumber(MethodName(method), Activity.Served(method));
        }

        w.WriteEndObject();

        w.WriteStartObject("traffic"u8);
        if (node.Krpc is { } krpc)
        {
            w.WriteNumber("queriesReceived"u8, krpc.QueriesReceived);
            w.WriteNumber("queriesSent"u8, krpc.QueriesSent);
            w.WriteNumber("responsesSent"u8, krpc.ResponsesSent);
            w.WriteNumber("errorsSent"u8, krpc.ErrorsSent);
            w.WriteNumber("responsesMatched"u8, krpc.ResponsesMatched);
            w.WriteNumber("timeouts"u8, krpc.Timeouts);
            w.WriteNumber("malformed"u8, krpc.Malformed);
            w.WriteNumber("pending"u8, krpc.PendingCount);
            w.WriteNumber("rateLimited"u8, node.QueriesRateLimited);
        }

        w.WriteEndObject();

        // The library reports its stores' limits but not their fill: size is null until it does.
        w.WriteStartArray("stores"u8);
        WriteStore(w, "peer store (infohashes)", node.Options.MaxInfohashes);
        WriteStore(w, "peer store (bytes)", node.Options.MaxPeerStoreBytes);
        WriteStore(w, "pending queries", node.Options.MaxPendingQueries, node.Krpc?.PendingCount);
        w.WriteEndArray();

        w.WriteStartArray("warnings"u8);
        foreach (var warning in Activity.Warnings)
        {
            w.WriteStartObject();
            w.WriteNumber("at"u8, warning.At.ToUnixTimeMilliseconds());
            w.WriteString("message"u8, warning.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("lookups"u8);
        foreach (var lookup in Activity.Lookups.OrderByDescending(l => l.LastActivity).Take(16))
        {
            w.WriteStartObject();
            w.WriteString("target"u8, lookup.Target.ToString());
            w.WriteString("method"u8, MethodName(lookup.Method));
            w.WriteString("operation"u8, lookup.Operation);
            w.WriteBoolean("done"u8, lookup.IsOver(Activity.Now));
            w.WriteNumber("started"u8, lookup.Started.ToUnixTimeMilliseconds());
            w.WriteStartArray("hops"u8);
            foreach (var hop in lookup.Hops)
            {
                w.WriteStartObject();
                w.WriteString("node"u8, hop.Address);
                w.WriteString("id"u8, hop.Id?.ToString() ?? "");
                w.WriteString("parent"u8, hop.Parent ?? "");
                w.WriteString("state"u8, hop.State);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    public void Dispose() => _meter.Dispose();

    public static string MethodName(KrpcMethod method) => method switch
    {
        KrpcMethod.Ping => "ping",
        KrpcMethod.FindNode => "find_node",
        KrpcMethod.GetPeers => "get_peers",
        KrpcMethod.AnnouncePeer => "announce_peer",
        KrpcMethod.Get => "get",
        KrpcMethod.Put => "put",
        KrpcMethod.SampleInfohashes => "sample_infohashes",
        _ => method.ToString(),
    };

    private static string FamilyName(AddressFamily family) => family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";

    private static void WriteStore(Utf8JsonWriter w, string name, long cap, long? size = null)
    {
        w.WriteStartObject();
        w.WriteString("name"u8, name);
        w.WriteNumber("cap"u8, cap);
        if (size is { } s)
        {
            w.WriteNumber("size"u8, s);
        }
        else
        {
            w.WriteNull("size"u8);
        }

        w.WriteEndObject();
    }
}
