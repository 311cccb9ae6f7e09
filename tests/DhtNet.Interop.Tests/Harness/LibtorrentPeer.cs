using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// A libtorrent 2.0 DHT session on 127.0.0.1 (BEP 5, 32, 33, 42, 43, 44, 51), run by
/// peers/libtorrent-peer.py with the loopback settings it needs. Nodes that only query it do not
/// enter its live table: tell it about them with <see cref="AddNodeAsync"/>. Its endpoint is the
/// DHT's UDP port and also its TCP listen port; its driver reports the events "announce", "error"
/// and (when traced) "packet".
/// </summary>
public sealed partial class LibtorrentPeer : DriverPeer
{
    private LibtorrentPeer(PeerProcess process, IPEndPoint endPoint, NodeId nodeId, IReadOnlyList<IPEndPoint> bootstrapAnswered)
        : base(process, endPoint, nodeId)
    {
        BootstrapAnswered = bootstrapAnswered;
    }

    /// <summary>The bootstrap nodes that answered before <see cref="StartAsync"/> returned.</summary>
    public IReadOnlyList<IPEndPoint> BootstrapAnswered { get; }

    /// <summary>
    /// Starts a session; returns once its DHT node runs and each of <paramref name="bootstrap"/> has
    /// answered (or 10 s passed: see <see cref="BootstrapAnswered"/>). <paramref name="trace"/> adds a
    /// "packet" event (direction, endpoint, base64 bytes) and a "log" event per DHT log line;
    /// <paramref name="host"/> (127.0.0.1) may be ::1 for an IPv6-only session; <paramref name="readOnly"/>
    /// makes it a BEP 43 read-only node.
    /// </summary>
    public static async Task<LibtorrentPeer> StartAsync(
        IEnumerable<IPEndPoint>? bootstrap = null,
        int port = 0,
        bool trace = false,
        bool? enforceNodeId = null,
        IPAddress? host = null,
        bool? readOnly = null,
        CancellationToken cancellationToken = default)
    {
        PeerRequirements.RequireLibtorrent();
        host ??= IPAddress.Loopback;
        var process = PeerProcess.Start("libtorrent", PeerPaths.SystemPython, ["libtorrent-peer.py"], PeerPaths.PeersDirectory);
        return await FinishStartAsync(process, async process =>
        {
            var arguments = new JsonObject
            {
                ["port"] = port,
                ["bootstrap"] = Json.Array(bootstrap ?? []),
                ["trace"] = trace,
                ["host"] = host.ToString(),
            };
            if (enforceNodeId is { } enforce)
            {
                arguments["enforceNodeId"] = enforce;
            }

            if (readOnly is { } ro)
            {
                arguments["readOnly"] = ro;
            }

            var reply = await process.SendAsync("start", arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new LibtorrentPeer(
                process,
                new IPEndPoint(host, Json.Int(reply, "port")),
                Json.Id(reply, "nodeId"),
                Json.EndPoints(reply, "bootstrapAnswered"));
        }).ConfigureAwait(false);
    }

    /// <summary>Adds a node (libtorrent pings it); true once it answered, false after 5 s without.</summary>
    public async Task<bool> AddNodeAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("addNode", EndPointArguments(endPoint), cancellationToken: cancellationToken).ConfigureAwait(false);
        return Json.Bool(reply, "answered");
    }

    /// <summary>
    /// Announces by adding a torrent for the info-hash (the 2.0.8 bindings cannot call dht_announce);
    /// returns when announce_peer has been sent. libtorrent announces its listen port with implied_port=1.
    /// </summary>
    public async Task<AnnounceResult> AnnounceAsync(NodeId infoHash, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("announce", new JsonObject { ["infoHash"] = infoHash.ToString() }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new AnnounceResult(Json.Int(reply, "port"), Json.Int(reply, "nodes"));
    }

    /// <summary>
    /// Stores a mutable byte-string item signed with the key of <paramref name="seed"/>. libtorrent
    /// picks the sequence number itself: one more than the highest it finds (1 for a new item).
    /// </summary>
    public async Task<PeerPutResult> PutMutableAsync(ReadOnlyMemory<byte> seed, ReadOnlyMemory<byte> value, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default)
    {
        var arguments = WithSalt(new JsonObject { ["seed"] = Json.Hex(seed.Span), ["v"] = Json.Base64(value.Span) }, salt);
        return Json.Put(await Process.SendAsync("put", arguments, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    /// <summary>An immutable get; null when no node had it.</summary>
    public async Task<StoredItem?> GetImmutableAsync(NodeId target, CancellationToken cancellationToken = default) =>
        Json.Item(await Process.SendAsync("get", new JsonObject { ["hash"] = target.ToString() }, cancellationToken: cancellationToken).ConfigureAwait(false));

    /// <summary>A mutable get, answered by libtorrent's final (authoritative) result; null when none was found.</summary>
    public async Task<StoredItem?> GetMutableAsync(ReadOnlyMemory<byte> publicKey, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default)
    {
        var arguments = WithSalt(new JsonObject { ["publicKey"] = Json.Hex(publicKey.Span) }, salt);
        return Json.Item(await Process.SendAsync("get", arguments, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A BEP 51 sample_infohashes query to one node; null when it did not answer within <paramref name="timeout"/>.</summary>
    public async Task<PeerSampleResult?> SampleAsync(IPEndPoint node, NodeId target, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var arguments = new JsonObject
        {
            ["host"] = node.Address.ToString(),
            ["port"] = node.Port,
            ["target"] = target.ToString(),
            ["timeoutMs"] = (int)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds,
        };
        var reply = await Process.SendAsync("sample", arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (Json.Bool(reply, "timedOut"))
        {
            return null;
        }

        var samples = reply["samples"]!.AsArray().Select(s => NodeId.Parse(s!.GetValue<string>())).ToArray();
        return new PeerSampleResult(Json.Int(reply, "interval"), Json.Int(reply, "num"), samples, Json.Nodes(reply, "nodes"));
    }

    /// <summary>The routing table's shape (dht_stats_alert).</summary>
    public async Task<RoutingTableStats> StatsAsync(CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("stats", cancellationToken: cancellationToken).ConfigureAwait(false);
        var buckets = reply["buckets"]!.AsArray()
            .Select(b => (b!["nodes"]!.GetValue<int>(), b["replacements"]!.GetValue<int>()))
            .ToArray();
        return new RoutingTableStats(buckets, Json.Int(reply, "nodes"), Json.Int(reply, "activeRequests"));
    }

    /// <summary>
    /// What it disliked in what it received: error alerts, and when traced the DHT log lines that
    /// report a bad reply (missing dict, invalid id or token, malformed error, unknown transaction)
    /// or a query that timed out.
    /// </summary>
    public override IReadOnlyList<string> Complaints() =>
        Process.Events.Snapshot()
            .Where(e => e["event"]?.ToString() switch
            {
                "error" => true,
                "log" => ComplaintLine().IsMatch(e["message"]?.ToString() ?? ""),
                _ => false,
            })
            .Select(e => e.ToJsonString())
            .ToArray();

    /// <summary>
    /// Waits until its live table holds every node of <paramref name="ids"/> (asking again as long
    /// as it does not, at most 100 times); returns the table.
    /// </summary>
    public Task<IReadOnlyList<NodeInfo>> WaitForNodesAsync(IEnumerable<NodeId> ids)
    {
        var wanted = ids.ToArray();
        return Retry.UntilAsync(
            () => NodesAsync(),
            table => wanted.All(id => table.Any(n => n.Id == id)),
            attempts: 100,
            table => $"{this} holds [{string.Join(", ", table.Select(n => n.Id))}], not all of [{string.Join(", ", wanted)}]");
    }

    /// <inheritdoc />
    public override string ToString() => $"libtorrent {NodeId} at {EndPoint}";

    [GeneratedRegex(@"missing|invalid|malformed|incorrect length|reply with error|unknown transaction|timing out|no write token", RegexOptions.IgnoreCase)]
    private static partial Regex ComplaintLine();
}
