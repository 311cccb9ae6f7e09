using System.Net;
using System.Text.Json.Nodes;

namespace DhtNet.Interop.Tests.Harness;

/// <summary>
/// A bittorrent-dht 11 node (JavaScript, BEP 5 and 44 only) on 127.0.0.1, run by peers/bittorrent-dht-peer.mjs.
/// Its k is 20 and its queries time out after 2 s; unknown query kinds get no answer at all.
/// Its driver reports the events "announce", "query" (when traced), "warning" and "error".
/// </summary>
public sealed class BittorrentDhtPeer : DriverPeer
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private BittorrentDhtPeer(PeerProcess process, IPEndPoint endPoint, NodeId nodeId)
        : base(process, endPoint, nodeId)
    {
    }

    /// <summary>
    /// Starts a node and waits until its bootstrap lookup has finished (at once when
    /// <paramref name="bootstrap"/> is empty). <paramref name="trace"/> adds a "query" event per incoming query;
    /// <paramref name="host"/> (127.0.0.1) may be any loopback address, to announce from several IPs.
    /// </summary>
    public static async Task<BittorrentDhtPeer> StartAsync(
        IEnumerable<IPEndPoint>? bootstrap = null,
        int port = 0,
        bool trace = false,
        NodeId? nodeId = null,
        IPAddress? host = null,
        CancellationToken cancellationToken = default)
    {
        PeerRequirements.RequireBittorrentDht();
        host ??= IPAddress.Loopback;
        var process = PeerProcess.Start("bittorrent-dht", "node", ["bittorrent-dht-peer.mjs"], PeerPaths.PeersDirectory);
        return await FinishStartAsync(process, async process =>
        {
            var arguments = new JsonObject
            {
                ["port"] = port,
                ["bootstrap"] = bootstrap is null ? JsonValue.Create(false) : Json.Array(bootstrap),
                ["trace"] = trace,
                ["host"] = host.ToString(),
            };
            if (nodeId is { } id)
            {
                arguments["nodeId"] = id.ToString();
            }

            var reply = await process.SendAsync("start", arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            await process.WaitForEventAsync("ready", null, ReadyTimeout, cancellationToken).ConfigureAwait(false);
            return new BittorrentDhtPeer(process, new IPEndPoint(host, Json.Int(reply, "port")), Json.Id(reply, "nodeId"));
        }).ConfigureAwait(false);
    }

    /// <summary>Pings <paramref name="endPoint"/> and adds it to the table; its id, or null when it did not answer.</summary>
    public async Task<NodeId?> AddNodeAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("addNode", EndPointArguments(endPoint), cancellationToken: cancellationToken).ConfigureAwait(false);
        return Json.Bool(reply, "added") ? Json.Id(reply, "nodeId") : null;
    }

    /// <summary>
    /// Looks the info-hash up and sends announce_peer to the closest nodes; <paramref name="port"/> 0
    /// announces with implied_port. Returns how many nodes accepted it.
    /// </summary>
    public async Task<int> AnnounceAsync(NodeId infoHash, int port = 0, CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("announce", new JsonObject { ["infoHash"] = infoHash.ToString(), ["port"] = port }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Json.Int(reply, "nodes");
    }

    /// <summary>Signs with the key of <paramref name="seed"/> and stores a mutable item with a byte-string value.</summary>
    public async Task<PeerPutResult> PutMutableAsync(
        ReadOnlyMemory<byte> seed,
        ReadOnlyMemory<byte> value,
        long sequence,
        ReadOnlyMemory<byte> salt = default,
        long? cas = null,
        CancellationToken cancellationToken = default)
    {
        var arguments = new JsonObject
        {
            ["seed"] = Json.Hex(seed.Span),
            ["v"] = Json.Base64(value.Span),
            ["seq"] = sequence,
        };
        WithSalt(arguments, salt);
        if (cas is { } c)
        {
            arguments["cas"] = c;
        }

        return Json.Put(await Process.SendAsync("put", arguments, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A BEP 44 get (never from its own cache); null when no node had the item.</summary>
    public async Task<StoredItem?> GetAsync(NodeId target, ReadOnlyMemory<byte> salt = default, CancellationToken cancellationToken = default)
    {
        var arguments = WithSalt(new JsonObject { ["hash"] = target.ToString() }, salt);
        return Json.Item(await Process.SendAsync("get", arguments, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// An iterative lookup towards <paramref name="target"/> with <paramref name="method"/> queries
    /// (find_node, get_peers or get); the nodes that answered, closest first (at most 20).
    /// </summary>
    public async Task<IReadOnlyList<NodeInfo>> ClosestAsync(NodeId target, string method = "find_node", CancellationToken cancellationToken = default)
    {
        var reply = await Process.SendAsync("closest", new JsonObject { ["target"] = target.ToString(), ["q"] = method }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Json.Nodes(reply, "nodes");
    }

    /// <summary>
    /// Sends one query from this node's socket exactly as given (<paramref name="arguments"/> is the
    /// whole <c>a</c> dictionary: add the id yourself; <paramref name="topLevel"/> adds keys beside
    /// <c>a</c>, such as BEP 43's <c>ro</c>) and returns the raw reply, or a time-out after about 2 s.
    /// </summary>
    public async Task<KrpcReply> QueryAsync(IPEndPoint to, string method, BencodeDictionary arguments, BencodeDictionary? topLevel = null, CancellationToken cancellationToken = default)
    {
        var request = EndPointArguments(to);
        request["q"] = method;
        request["a"] = Json.Base64(arguments.Encode());
        if (topLevel is not null)
        {
            request["extra"] = Json.Base64(topLevel.Encode());
        }

        var reply = await Process.SendAsync("query", request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new KrpcReply(Json.Bool(reply, "timedOut"), Json.String(reply, "y"), Json.Base64Bytes(reply, "reply"), Json.String(reply, "error"))
        {
            TransactionId = Json.HexBytes(reply, "t"),
        };
    }

    /// <summary>Sends arbitrary bytes from this node's socket (for malformed-packet tests).</summary>
    public Task SendRawAsync(IPEndPoint to, ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        var request = EndPointArguments(to);
        request["bytes"] = Json.Base64(datagram.Span);
        return Process.SendAsync("sendRaw", request, cancellationToken: cancellationToken);
    }

    /// <summary>The "warning" and "error" events it has reported so far (what it disliked in what it received).</summary>
    public override IReadOnlyList<string> Complaints() =>
        Process.Events.Snapshot()
            .Where(e => e["event"]?.ToString() is "warning" or "error")
            .Select(e => e.ToJsonString())
            .ToArray();

    /// <inheritdoc />
    public override string ToString() => $"bittorrent-dht {NodeId} at {EndPoint}";
}
