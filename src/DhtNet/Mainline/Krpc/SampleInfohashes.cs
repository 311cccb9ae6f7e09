using System.Net.Sockets;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>BEP 51 <c>sample_infohashes</c>: asks for a sample of stored infohashes and the nodes closest to <see cref="Target"/>.</summary>
internal sealed class SampleInfohashesQuery(NodeId senderId, NodeId target) : KrpcQuery(senderId)
{
    public NodeId Target { get; } = target;

    /// <summary>BEP 32 <c>want</c>: the node families asked for.</summary>
    public KrpcWant Want { get; init; }

    public override KrpcMethod Method => KrpcMethod.SampleInfohashes;

    internal override ReadOnlySpan<byte> MethodName => "sample_infohashes"u8;

    internal static SampleInfohashesQuery? Decode(in KrpcFields a, out string? error)
    {
        if (!a.TryGetId(KrpcField.Id, out var id, out error)
            || !a.TryGetId(KrpcField.Target, out var target, out error)
            || !a.TryGetWant(out var want, out error))
        {
            return null;
        }

        return new SampleInfohashesQuery(id, target) { Want = want };
    }

    internal override void WriteArguments(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        KrpcWire.WriteId(ref writer, "target"u8, Target);
        KrpcWire.WriteWant(ref writer, Want);
    }
}

/// <summary>
/// Answer to <see cref="SampleInfohashesQuery"/>. <c>samples</c> is always written (BEP 51 asks for
/// it even when empty), with as many samples as fit; the rest are dropped.
/// </summary>
internal sealed class SampleInfohashesResponse(NodeId senderId, int interval, int num, NodeId[] samples) : KrpcResponse(senderId)
{
    /// <summary>Seconds before the sample changes (BEP 51: 0..21600).</summary>
    public int Interval { get; } = interval;

    /// <summary>Number of infohashes the responder stores.</summary>
    public int Num { get; } = num;

    public NodeId[] Samples { get; } = samples ?? throw new ArgumentNullException(nameof(samples));

    public NodeInfo[] Nodes { get; init; } = [];

    public NodeInfo[] Nodes6 { get; init; } = [];

    public override KrpcMethod Method => KrpcMethod.SampleInfohashes;

    internal ReadOnlyMemory<byte> RawNodes { get; init; }

    internal ReadOnlyMemory<byte> RawNodes6 { get; init; }

    internal static SampleInfohashesResponse? Decode(in KrpcFields r, out string? error)
    {
        if (!r.TryGetId(KrpcField.Id, out var id, out error)
            || !r.TryGetCount(KrpcField.Interval, out int interval, out error)
            || !r.TryGetCount(KrpcField.Num, out int num, out error)
            || !r.TryGetBytes(KrpcField.Samples, required: false, out var samplesBytes, out error)
            || !r.TryGetNodes(KrpcField.Nodes, out var nodes, out var raw, out error)
            || !r.TryGetNodes(KrpcField.Nodes6, out var nodes6, out var raw6, out error))
        {
            return null;
        }

        var span = samplesBytes.Span;
        var samples = new NodeId[span.Length / NodeId.Size];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = new NodeId(span.Slice(i * NodeId.Size, NodeId.Size));
        }

        return new SampleInfohashesResponse(id, interval, num, samples)
        {
            Nodes = nodes,
            Nodes6 = nodes6,
            RawNodes = raw,
            RawNodes6 = raw6,
        };
    }

    internal override void WriteValues(ref BencodeWriter writer, in EncodeBudget budget)
    {
        KrpcWire.WriteId(ref writer, "id"u8, SenderId);
        writer.WriteKey("interval"u8);
        writer.WriteInteger(Interval);
        KrpcWire.WriteNodes(ref writer, "nodes"u8, Nodes, Nodes.Length, RawNodes, AddressFamily.InterNetwork);
        KrpcWire.WriteNodes(ref writer, "nodes6"u8, Nodes6, Nodes6.Length, RawNodes6, AddressFamily.InterNetworkV6);
        writer.WriteKey("num"u8);
        writer.WriteInteger(Num);

        // 'samples' is the last key of r: after it only r's closing 'e'.
        const int key = 9; // "7:samples"
        int available = budget.Available(writer, needAfter: 1) - key;
        int count = Math.Min(Samples.Length, Math.Max(0, available) / NodeId.Size);
        while (count > 0 && BencodeWriter.ByteStringSize(count * NodeId.Size) > available)
        {
            count--;
        }

        Span<byte> bytes = stackalloc byte[KrpcCodec.MaxPayload];
        for (int i = 0; i < count; i++)
        {
            Samples[i].WriteTo(bytes[(i * NodeId.Size)..]);
        }

        writer.WriteKey("samples"u8);
        writer.WriteByteString(bytes[..(count * NodeId.Size)]);
    }
}
