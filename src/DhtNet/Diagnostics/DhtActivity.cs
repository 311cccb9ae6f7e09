using System.Diagnostics;

namespace DhtNet.Diagnostics;

/// <summary>
/// The library's traces on the "DhtNet" <see cref="ActivitySource"/>: one <c>dht.lookup</c> activity per
/// lookup (tags: operation, target, the local node's id) and under it one <c>dht.request</c> activity per
/// node asked, started when the query is sent and stopped with its outcome, round trip and the nodes
/// the answer named. Requests outside a lookup (pings, announces, stores) are
/// <c>dht.request</c> activities too, under the caller's activity if there is one, tagged with the
/// local node's id. Listen with an <see cref="ActivityListener"/> or OpenTelemetry's
/// <c>AddSource(DhtActivity.SourceName)</c>; nothing is recorded while nobody samples.
/// </summary>
public static class DhtActivity
{
    /// <summary>The name of the <see cref="ActivitySource"/>.</summary>
    public const string SourceName = "DhtNet";

    /// <summary>The operation name of a lookup's activity.</summary>
    public const string LookupName = "dht.lookup";

    /// <summary>The operation name of one request's activity (a child of its lookup's).</summary>
    public const string RequestName = "dht.request";

    /// <summary>Lookup tag: the operation ("get_peers", "find_node", "get", ...).</summary>
    public const string OperationTag = "dht.operation";

    /// <summary>Lookup tag: the target key, lowercase hex.</summary>
    public const string TargetTag = "dht.target";

    /// <summary>
    /// Lookup tag, and tag of a request outside a lookup: the id of the node asking, lowercase hex
    /// (several nodes may share a process).
    /// </summary>
    public const string LocalIdTag = "dht.local_id";

    /// <summary>Request tag: the id of the node asked, lowercase hex.</summary>
    public const string PeerIdTag = "dht.peer.id";

    /// <summary>Request tag: the address of the node asked (<c>address:port</c>).</summary>
    public const string PeerAddressTag = "dht.peer.address";

    /// <summary>Request tag: the query sent ("find_node", "get_peers", "ping", "announce_peer", ...).</summary>
    public const string QueryTag = "dht.query";

    /// <summary>
    /// Request tag, set when it ends: "answered", "timeout", "error" (an error reply or an answer that
    /// did not decode: see <see cref="ErrorTag"/>), "cancelled" (the lookup no longer needed the answer,
    /// or the caller gave up) or "failed" (not sent: full query table, closed socket, or the node
    /// shutting down).
    /// </summary>
    public const string OutcomeTag = "dht.outcome";

    /// <summary>Request tag of an "error" outcome: the node's KRPC error ("203 bad token") or why its answer was refused.</summary>
    public const string ErrorTag = "dht.error";

    /// <summary>
    /// Request tag: the nodes an answer named, each as <c>hexid@address:port</c> (a string array); set
    /// on answers of the kinds that carry nodes (find_node, get_peers, get, sample_infohashes).
    /// </summary>
    public const string NodesTag = "dht.nodes";

    /// <summary>Request tag: how many peers an answer gave (the values of a get_peers answer), when it gave any.</summary>
    public const string PeersTag = "dht.peers";

    /// <summary>Request tag: the size in bytes of the value an answer carried (a BEP 44 item), when it carried one.</summary>
    public const string ValueBytesTag = "dht.value_bytes";

    /// <summary>The source the library's activities come from.</summary>
    public static ActivitySource Source { get; } = new(SourceName);
}
