using System.Net.Sockets;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>BEP 44 <c>get</c>: asks for the item stored under <see cref="Target"/>, or the closest nodes.</summary>
internal sealed class GetQuery(NodeId senderId, NodeId target) : KrpcQuery(senderId)
{
    /// <summary>SHA-1 of the immutable value, or of the public key and salt of a mutable item.</summary>
    public NodeId Target { get; } = target;

    /// <summary><c>seq</c>: send the value only when its sequence number is greater than this.</summary>
    public long? Sequence { get; init; }

    /// <summary>BEP 32 <c>want</c>: the node families asked for.</summary>
    public KrpcWant Want { get; init; }

    public override KrpcMethod Method => KrpcMethod.Get;

    internal override ReadOnlySpan<byte> MethodName => "get"u8;

    internal static GetQuery? Decode(in KrpcFields a, out string? error)
    {
        if (!a.TryGetId(KrpcField.Id, out var id, out error)
            || !a.TryGetId(KrpcField.Target, out var target, out error)
            || !a.TryGetInteger(KrpcField.Seq, required: false, out long seq, out bool hasSeq, out error)
            || !a.TryGetWant(out var want, out error))
        {
            return null;
        }

        return new GetQuery(id, target) { Sequence = hasSeq ? seq : null, Want = want };
    }

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        if (Sequence is { } seq)
        {
            writer.WriteKey("seq"u8);
            writer.WriteInteger(seq);
        }

        KrpcWire.WriteId(ref writer, "target"u8, Target);
        KrpcWire.WriteWant(ref writer, Want);
    }
}

/// <summary>
/// Answer to <see cref="GetQuery"/>: a write token, the closest nodes, and the item when stored
/// (<see cref="Value"/>; plus <see cref="PublicKey"/>, <see cref="Signature"/> and
/// <see cref="Sequence"/> for a mutable one). It may take up to <see cref="KrpcCodec.MaxItemPayload"/>
/// bytes; nodes that do not fit beside a large value are dropped when encoding.
/// </summary>
internal sealed class GetResponse(NodeId senderId, ReadOnlyMemory<byte> token) : KrpcResponse(senderId)
{
    /// <summary>The write token for a later put.</summary>
    public ReadOnlyMemory<byte> Token { get; } = token;

    public NodeInfo[] Nodes { get; init; } = [];

    public NodeInfo[] Nodes6 { get; init; } = [];

    /// <summary>The bencoded value exactly as received or stored (its SHA-1 / signature covers these bytes); empty when absent.</summary>
    public ReadOnlyMemory<byte> Value { get; init; }

    /// <summary><c>k</c>: the 32-byte ed25519 public key of a mutable item; empty otherwise.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; init; }

    /// <summary><c>sig</c>: the 64-byte ed25519 signature of a mutable item; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Signature { get; init; }

    /// <summary><c>seq</c> of a mutable item.</summary>
    public long? Sequence { get; init; }

    public override KrpcMethod Method => KrpcMethod.Get;

    internal override int MaxEncodedSize => KrpcCodec.MaxItemPayload;

    internal ReadOnlyMemory<byte> RawNodes { get; init; }

    internal ReadOnlyMemory<byte> RawNodes6 { get; init; }

    internal static GetResponse? Decode(in KrpcFields r, out string? error)
    {
        if (!r.TryGetId(KrpcField.Id, out var id, out error)
            || !r.TryGetBytes(KrpcField.Token, required: false, out var token, out error)
            || !r.TryGetNodes(KrpcField.Nodes, out var nodes, out var raw, out error)
            || !r.TryGetNodes(KrpcField.Nodes6, out var nodes6, out var raw6, out error)
            || !r.TryGetFixed(KrpcField.Key, 32, out var key, out error)
            || !r.TryGetFixed(KrpcField.Signature, 64, out var signature, out error)
            || !r.TryGetInteger(KrpcField.Seq, required: false, out long seq, out bool hasSeq, out error))
        {
            return null;
        }

        var value = r.GetEncoded(KrpcField.Value);
        if (!value.IsEmpty && !KrpcCodec.IsCanonical(value.Span))
        {
            error = KrpcCodec.NotCanonicalValue;
            return null;
        }

        return new GetResponse(id, KrpcCodec.UsableToken(token))
        {
            Nodes = nodes,
            Nodes6 = nodes6,
            RawNodes = raw,
            RawNodes6 = raw6,
            Value = value,
            PublicKey = key,
            Signature = signature,
            Sequence = hasSeq ? seq : null,
        };
    }

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        KrpcWire.WriteOptional(ref writer, "k"u8, PublicKey);

        // Nodes come before seq, sig, token and v; they give way to the item when space is short.
        int available = budget.Available(writer, SizeAfterNodes());
        int count = KrpcWire.FitNodes("nodes"u8, Nodes.Length, RawNodes, AddressFamily.InterNetwork, available);
        available -= KrpcWire.NodesSize("nodes"u8, count, RawNodes, AddressFamily.InterNetwork);
        int count6 = KrpcWire.FitNodes("nodes6"u8, Nodes6.Length, RawNodes6, AddressFamily.InterNetworkV6, available);
        KrpcWire.WriteNodes(ref writer, "nodes"u8, Nodes, count, RawNodes, AddressFamily.InterNetwork);
        KrpcWire.WriteNodes(ref writer, "nodes6"u8, Nodes6, count6, RawNodes6, AddressFamily.InterNetworkV6);

        if (Sequence is { } seq)
        {
            writer.WriteKey("seq"u8);
            writer.WriteInteger(seq);
        }

        KrpcWire.WriteOptional(ref writer, "sig"u8, Signature);
        KrpcWire.WriteOptional(ref writer, "token"u8, Token);
        if (!Value.IsEmpty)
        {
            writer.WriteKey("v"u8);
            KrpcWire.WriteEncodedValue(ref writer, Value.Span);
        }
    }

    private int SizeAfterNodes()
    {
        int size = 1; // r's closing 'e'
        if (Sequence is { } seq)
        {
            size += 5 + BencodeWriter.IntegerSize(seq);
        }

        if (!Signature.IsEmpty)
        {
            size += 5 + BencodeWriter.ByteStringSize(Signature.Length);
        }

        if (!Token.IsEmpty)
        {
            size += 7 + BencodeWriter.ByteStringSize(Token.Length);
        }

        if (!Value.IsEmpty)
        {
            size += 3 + Value.Length;
        }

        return size;
    }
}
