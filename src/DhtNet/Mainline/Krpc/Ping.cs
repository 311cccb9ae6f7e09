using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>BEP 5 <c>ping</c>: asks whether a node is alive.</summary>
internal sealed class PingQuery(NodeId senderId) : KrpcQuery(senderId)
{
    public override KrpcMethod Method => KrpcMethod.Ping;

    internal override ReadOnlySpan<byte> MethodName => "ping"u8;

    internal static PingQuery? Decode(in KrpcFields a, out string? error) =>
        a.TryGetId(KrpcField.Id, out var id, out error) ? new PingQuery(id) : null;

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget) =>
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
}

/// <summary>Answer to <see cref="PingQuery"/>: the responder's id.</summary>
internal sealed class PingResponse(NodeId senderId) : KrpcResponse(senderId)
{
    public override KrpcMethod Method => KrpcMethod.Ping;

    internal static PingResponse? Decode(in KrpcFields r, out string? error) =>
        r.TryGetId(KrpcField.Id, out var id, out error) ? new PingResponse(id) : null;

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget) => Write(ref writer, SenderId);

    /// <summary>Writes the keys of <c>r</c>: this type's encoding, and the serving fast path's with no object.</summary>
    internal static void Write(ref BencodeWriter writer, NodeId senderId) => KrpcWire.WriteId(ref writer, "id"u8, senderId);
}
