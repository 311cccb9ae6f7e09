using System.Net.Sockets;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>
/// BEP 5 <c>find_node</c>: asks for the nodes closest to <see cref="Target"/>. Unknown queries that
/// carry a <c>target</c> or <c>info_hash</c> decode as this (BEP 5 forward compatibility).
/// </summary>
internal sealed class FindNodeQuery(NodeId senderId, NodeId target) : KrpcQuery(senderId)
{
    public NodeId Target { get; } = target;

    /// <summary>BEP 32 <c>want</c>: the node families asked for.</summary>
    public KrpcWant Want { get; init; }

    public override KrpcMethod Method => KrpcMethod.FindNode;

    internal override ReadOnlySpan<byte> MethodName => "find_node"u8;

    /// <summary>Decodes find_node; <paramref name="targetField"/> is info_hash for unknown methods that only carry that.</summary>
    internal static FindNodeQuery? Decode(in KrpcFields a, KrpcField targetField, out string? error) =>
        TryReadArguments(a, targetField, out var id, out var target, out var want, out error)
            ? new FindNodeQuery(id, target) { Want = want }
            : null;

    /// <summary>The arguments of a find_node, as this type and the serving fast path read them.</summary>
    internal static bool TryReadArguments(in KrpcFields a, KrpcField targetField, out NodeId id, out NodeId target, out KrpcWant want, out string? error)
    {
        target = default;
        want = KrpcWant.None;
        return a.TryGetId(KrpcField.Id, out id, out error)
            && a.TryGetId(targetField, out target, out error)
            && a.TryGetWant(out want, out error);
    }

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        KrpcWire.WriteId(ref writer, "target"u8, Target);
        KrpcWire.WriteWant(ref writer, Want);
    }
}

/// <summary>Answer to <see cref="FindNodeQuery"/>: IPv4 nodes in <c>nodes</c>, IPv6 nodes in <c>nodes6</c>.</summary>
internal sealed class FindNodeResponse : KrpcResponse
{
    /// <param name="senderId">The responder's id.</param>
    /// <param name="nodes">IPv4 nodes (26-byte compact entries); any count is read, keep it to 8 when sending.</param>
    /// <param name="nodes6">IPv6 nodes (38-byte compact entries).</param>
    public FindNodeResponse(NodeId senderId, NodeInfo[] nodes, NodeInfo[]? nodes6 = null)
        : base(senderId)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Nodes = nodes;
        Nodes6 = nodes6 ?? [];
    }

    public NodeInfo[] Nodes { get; }

    public NodeInfo[] Nodes6 { get; }

    public override KrpcMethod Method => KrpcMethod.FindNode;

    // The strings as received, so a decoded message re-encodes byte for byte.
    internal ReadOnlyMemory<byte> RawNodes { get; init; }

    internal ReadOnlyMemory<byte> RawNodes6 { get; init; }

    internal static FindNodeResponse? Decode(in KrpcFields r, out string? error)
    {
        if (!r.TryGetId(KrpcField.Id, out var id, out error)
            || !r.TryGetNodes(KrpcField.Nodes, out var nodes, out var raw, out error)
            || !r.TryGetNodes(KrpcField.Nodes6, out var nodes6, out var raw6, out error))
        {
            return null;
        }

        return new FindNodeResponse(id, nodes, nodes6) { RawNodes = raw, RawNodes6 = raw6 };
    }

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget) =>
        Write(ref writer, SenderId, Nodes, Nodes6, RawNodes, RawNodes6);

    /// <summary>Writes the keys of <c>r</c>: this type's encoding, and the serving fast path's with no object.</summary>
    internal static void Write(
        ref BencodeWriter writer,
        NodeId senderId,
        scoped ReadOnlySpan<NodeInfo> nodes,
        scoped ReadOnlySpan<NodeInfo> nodes6,
        ReadOnlyMemory<byte> rawNodes = default,
        ReadOnlyMemory<byte> rawNodes6 = default)
    {
        KrpcWire.WriteId(ref writer, "id"u8, senderId);
        if (nodes.IsEmpty && nodes6.IsEmpty && rawNodes.IsEmpty && rawNodes6.IsEmpty)
        {
            // BEP 5 makes "nodes" part of every find_node answer: a node that knows nobody yet says so
            // with an empty string rather than leaving the key out, which strict readers take as malformed.
            writer.WriteKey("nodes"u8);
            writer.WriteByteString([]);
            return;
        }

        KrpcWire.WriteNodes(ref writer, "nodes"u8, nodes, nodes.Length, rawNodes, AddressFamily.InterNetwork);
        KrpcWire.WriteNodes(ref writer, "nodes6"u8, nodes6, nodes6.Length, rawNodes6, AddressFamily.InterNetworkV6);
    }
}
