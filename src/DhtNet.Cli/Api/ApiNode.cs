using System.Net.Sockets;
using System.Text.Json;

namespace DhtNet.Cli.Api;

/// <summary>
/// The running node as the HTTP API sees it: its network behind the endpoints, what it is doing
/// (<see cref="NodeActivity"/>), and the snapshot the dashboard and `dht stats` read.
/// </summary>
internal sealed class ApiNode : IDisposable
{
    /// <summary>The wire names of the KRPC methods, in the order the dashboard lists queries served.</summary>
    public static readonly string[] Methods = ["ping", "find_node", "get_peers", "announce_peer", "get", "put", "sample_infohashes"];

    // The traffic the dashboard and `dht stats` show: its key, and the library counter it reads.
    private static readonly (string Key, string Instrument)[] Traffic =
    [
        ("queriesReceived", "dhtnet.krpc.queries.received"),
        ("queriesSent", "dhtnet.krpc.queries.sent"),
        ("responsesSent", "dhtnet.krpc.responses.sent"),
        ("errorsSent", "dhtnet.krpc.errors.sent"),
        ("responsesMatched", "dhtnet.krpc.responses.matched"),
        ("timeouts", "dhtnet.krpc.timeouts"),
        ("malformed", "dhtnet.krpc.malformed"),
        ("rateLimited", "dhtnet.queries.rate_limited"),
    ];

    /// <param name="node">The node, made with <c>MeterFactory = activity.Meters</c>.</param>
    /// <param name="activity">What the node does; attached to the node here.</param>
    public ApiNode(DhtNode node, NodeActivity activity)
    {
        Network = new MainlineNetwork(node, activity);
        Node = node;
        Activity = activity;
        activity.Attach(node.Id);
        node.Warning += (_, e) => activity.Warn(e.ToString());
        node.LookupCompleted += (_, e) => activity.LookupCompleted(e);
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

        var measured = Activity.Measure();
        w.WriteStartObject("served"u8);
        foreach (string method in Methods)
        {
            w.WriteNumber(method, measured.GetValueOrDefault($"dhtnet.krpc.queries.served/{method}"));
        }

        w.WriteEndObject();

        w.WriteStartObject("traffic"u8);
        foreach (var (key, instrument) in Traffic)
        {
            w.WriteNumber(key, measured.GetValueOrDefault(instrument));
        }

        w.WriteEndObject();

        // Sizes from the library's gauges; a store whose gauge is not reported shows null.
        w.WriteStartArray("stores"u8);
        WriteStore(w, "peer store (infohashes)", node.Options.MaxInfohashes, measured.TryGetValue("dhtnet.peers.infohashes", out long infohashes) ? infohashes : null);
        WriteStore(w, "peer store (bytes)", node.Options.MaxPeerStoreBytes, measured.TryGetValue("dhtnet.peers.bytes", out long bytes) ? bytes : null);
        WriteStore(w, "routing table (nodes)", node.Options.K * 160L * Families.Count(), node.RoutingTableSize);
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
            w.WriteString("method"u8, lookup.Method);
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

    public void Dispose() => Activity.Dispose();

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
