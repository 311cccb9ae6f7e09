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

    /// <summary>The kad message types, in the order the dashboard lists IPFS queries served (the library's tag values).</summary>
    public static readonly string[] KadTypes = ["find_node", "get_providers", "add_provider", "get_value", "put_value", "ping"];

    /// <param name="node">The Mainline node, made with <c>MeterFactory = activity.Meters</c>; null when the node runs IPFS only.</param>
    /// <param name="activity">What the nodes do; attached to them here.</param>
    /// <param name="ipfs">The IPFS network, its node made with <c>MeterFactory = activity.Meters</c>; null when the node runs Mainline only.</param>
    public ApiNode(DhtNode? node, NodeActivity activity, IpfsNetwork? ipfs = null)
    {
        var networks = new List<IRoutingNetwork>();
        Activity = activity;
        if (node is not null)
        {
            Mainline = new MainlineNetwork(node, activity);
            networks.Add(Mainline);
            activity.Attach(node.Id);
            node.Warning += (_, e) => activity.Warn(e.ToString());
            node.LookupCompleted += (_, e) => activity.LookupCompleted(e);
        }

        if (ipfs is not null)
        {
            Ipfs = ipfs;
            networks.Add(ipfs);
            activity.ListenToMeters();
        }

        Networks = new RoutingNetworks(networks);
    }

    /// <summary>Every network the node runs, and which one a request argument belongs to.</summary>
    public RoutingNetworks Networks { get; }

    /// <summary>The network /api/v0/id describes.</summary>
    public IRoutingNetwork Network => Networks.Primary;

    public MainlineNetwork? Mainline { get; }

    public IpfsNetwork? Ipfs { get; }

    /// <summary>The Mainline node, or null when the node runs IPFS only.</summary>
    public DhtNode? Node => Mainline?.Node;

    public NodeActivity Activity { get; }

    /// <summary>
    /// Everything the dashboard shows at one instant, as one JSON object: <c>networks</c> holds one
    /// entry per network, and the first network's fields are also at the top level (the page's
    /// default view, and what `dht stats` reads).
    /// </summary>
    public void WriteSnapshot(Utf8JsonWriter w)
    {
        var measured = Activity.Measure();
        w.WriteNumber("now"u8, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        WriteNetwork(w, Networks.All[0], measured);
        w.WriteStartArray("networks"u8);
        foreach (var network in Networks.All)
        {
            w.WriteStartObject();
            WriteNetwork(w, network, measured);
            w.WriteEndObject();
        }

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
    }

    private void WriteNetwork(Utf8JsonWriter w, IRoutingNetwork network, IReadOnlyDictionary<string, long> measured)
    {
        var self = network.Self;
        w.WriteString("network"u8, network.Name);
        w.WriteString("peerId"u8, self.Id);
        w.WriteStartArray("addresses"u8);
        foreach (string address in self.Addrs)
        {
            w.WriteStringValue(address);
        }

        w.WriteEndArray();
        if (network is MainlineNetwork mainline)
        {
            WriteMainline(w, mainline.Node, measured);
        }
        else if (network is IpfsNetwork ipfs)
        {
            WriteIpfs(w, ipfs, measured);
        }
    }

    private void WriteMainline(Utf8JsonWriter w, DhtNode node, IReadOnlyDictionary<string, long> measured)
    {
        var families = node.LocalEndPoints.Select(e => e.AddressFamily).Distinct().ToList();
        w.WriteString("id"u8, node.Id.ToString());
        w.WriteNumber("k"u8, node.Options.K);
        w.WriteStartArray("tables"u8);
        foreach (var family in families)
        {
            WriteTable(w, FamilyName(family), node.GetBuckets(family), static n => n.State == NodeState.Good);
        }

        w.WriteEndArray();

        WriteServed(w, Methods, "dhtnet.krpc.queries.served", measured);

        w.WriteStartObject("traffic"u8);
        foreach (var (key, instrument) in Traffic)
        {
            w.WriteNumber(key, measured.GetValueOrDefault(instrument));
        }

        w.WriteNumber("pending"u8, HopStream.Pending);
        w.WriteEndObject();

        // Sizes from the library's gauges; a store whose gauge is not reported shows null.
        w.WriteStartArray("stores"u8);
        WriteStore(w, "peer store (infohashes)", node.Options.MaxInfohashes, measured.TryGetValue("dhtnet.peers.infohashes", out long infohashes) ? infohashes : null);
        WriteStore(w, "peer store (bytes)", node.Options.MaxPeerStoreBytes, measured.TryGetValue("dhtnet.peers.bytes", out long bytes) ? bytes : null);
        WriteStore(w, "routing table (nodes)", node.Options.K * 160L * families.Count, node.RoutingTableSize);
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

    private static void WriteIpfs(Utf8JsonWriter w, IpfsNetwork ipfs, IReadOnlyDictionary<string, long> measured)
    {
        var node = ipfs.Node;
        var buckets = node.Table.Buckets;
        w.WriteString("id"u8, node.PeerId.ToString());
        w.WriteNumber("k"u8, node.Options.BucketSize);
        w.WriteStartArray("tables"u8);
        WriteTable(w, "kad", buckets, static n => n.State == NodeState.Good);
        w.WriteEndArray();

        WriteServed(w, KadTypes, "dhtnet.ipfs.queries.served", measured);

        w.WriteStartObject("traffic"u8);
        if (ipfs.Observer is { } sent)
        {
            w.WriteNumber("queriesSent"u8, sent.Sent);
            w.WriteNumber("timeouts"u8, sent.Unanswered);
        }

        w.WriteNumber("lookups"u8, measured.GetValueOrDefault("dhtnet.ipfs.lookups"));
        w.WriteNumber("connections"u8, ipfs.Host.ConnectionCount);
        w.WriteNumber("pending"u8, HopStream.Pending);
        w.WriteEndObject();

        var providers = node.Providers.Options;
        var records = node.Records.Options;
        var blocks = ipfs.Blocks.Options;
        w.WriteStartArray("stores"u8);
        WriteStore(w, "provider records (keys)", providers.MaxKeys, node.Providers.KeyCount);
        WriteStore(w, "provider records (bytes)", providers.MaxBytes, node.Providers.Bytes);
        WriteStore(w, "value records", records.MaxRecords, node.Records.Count);
        WriteStore(w, "value records (bytes)", records.MaxBytes, node.Records.Bytes);
        WriteStore(w, "blocks", blocks.MaxBlocks, ipfs.Blocks.Count);
        WriteStore(w, "blocks (bytes)", blocks.MaxBytes, ipfs.Blocks.Bytes);
        w.WriteEndArray();

        w.WriteStartArray("lookups"u8);
        if (ipfs.Observer is { } observer)
        {
            foreach (var lookup in observer.Lookups.Take(16))
            {
                lookup.WriteTo(w, observer.Now);
            }
        }

        w.WriteEndArray();
    }

    /// <summary>Queries served by type, from the counter <paramref name="instrument"/> tagged with the type.</summary>
    private static void WriteServed(Utf8JsonWriter w, string[] types, string instrument, IReadOnlyDictionary<string, long> measured)
    {
        w.WriteStartObject("served"u8);
        foreach (string type in types)
        {
            w.WriteNumber(type, measured.GetValueOrDefault($"{instrument}/{type}"));
        }

        w.WriteEndObject();
    }

    private static void WriteTable<TKey, TContact>(Utf8JsonWriter w, string family, IReadOnlyList<BucketInfo<TKey, TContact>> buckets, Func<RoutingNode<TContact>, bool> good)
        where TKey : struct, IKademliaKey<TKey>
    {
        w.WriteStartObject();
        w.WriteString("family"u8, family);
        w.WriteStartArray("buckets"u8);
        foreach (var bucket in buckets)
        {
            w.WriteStartObject();
            w.WriteNumber("depth"u8, bucket.Depth);
            string prefix = bucket.Prefix.ToString() ?? "";
            w.WriteString("prefix"u8, prefix[..Math.Min(prefix.Length, Math.Max(1, (bucket.Depth + 3) / 4))]);
            w.WriteNumber("nodes"u8, bucket.Nodes.Count);
            w.WriteNumber("good"u8, bucket.Nodes.Count(good));
            w.WriteNumber("replacements"u8, bucket.Replacements.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
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
