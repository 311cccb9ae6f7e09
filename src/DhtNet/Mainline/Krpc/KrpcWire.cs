using System.Net;
using System.Net.Sockets;
using DhtNet.Mainline.Bencode;

namespace DhtNet.Mainline.Krpc;

/// <summary>Encoding pieces shared by the message types.</summary>
internal static class KrpcWire
{
    /// <summary>Writes <paramref name="key"/> and a 20-byte id.</summary>
    public static void WriteId(ref BencodeWriter writer, ReadOnlySpan<byte> key, NodeId id)
    {
        Span<byte> bytes = stackalloc byte[NodeId.Size];
        id.WriteTo(bytes);
        writer.WriteKey(key);
        writer.WriteByteString(bytes);
    }

    /// <summary>Writes a byte-string key/value pair when the value is not empty.</summary>
    public static void WriteOptional(ref BencodeWriter writer, ReadOnlySpan<byte> key, ReadOnlyMemory<byte> value)
    {
        if (!value.IsEmpty)
        {
            writer.WriteKey(key);
            writer.WriteByteString(value.Span);
        }
    }

    /// <summary>Writes a 0/1 flag key only when it is set.</summary>
    public static void WriteFlag(ref BencodeWriter writer, ReadOnlySpan<byte> key, bool value)
    {
        if (value)
        {
            writer.WriteKey(key);
            writer.WriteInteger(1);
        }
    }

    /// <summary>Writes BEP 32 <c>want</c> when any family is asked for.</summary>
    public static void WriteWant(ref BencodeWriter writer, KrpcWant want)
    {
        if (want == KrpcWant.None)
        {
            return;
        }

        writer.WriteKey("want"u8);
        writer.WriteStartList();
        if ((want & KrpcWant.N4) != 0)
        {
            writer.WriteByteString("n4"u8);
        }

        if ((want & KrpcWant.N6) != 0)
        {
            writer.WriteByteString("n6"u8);
        }

        writer.WriteEnd();
    }

    /// <summary>Bytes a <see cref="WriteNodes"/> call will take for <paramref name="count"/> nodes.</summary>
    public static int NodesSize(ReadOnlySpan<byte> key, int count, ReadOnlyMemory<byte> raw, AddressFamily family)
    {
        if (!raw.IsEmpty)
        {
            return BencodeWriter.ByteStringSize(key.Length) + BencodeWriter.ByteStringSize(raw.Length);
        }

        return count == 0
            ? 0
            : BencodeWriter.ByteStringSize(key.Length) + BencodeWriter.ByteStringSize(count * CompactEncoding.NodeSize(family));
    }

    /// <summary>
    /// Writes <c>nodes</c> / <c>nodes6</c>: the bytes as received when <paramref name="raw"/> is set
    /// (decoded messages re-encode exactly), else the first <paramref name="count"/> nodes, which
    /// must all be of <paramref name="family"/>. Nothing is written for zero nodes.
    /// </summary>
    public static void WriteNodes(ref BencodeWriter writer, ReadOnlySpan<byte> key, scoped ReadOnlySpan<NodeInfo> nodes, int count, ReadOnlyMemory<byte> raw, AddressFamily family)
    {
        if (!raw.IsEmpty)
        {
            writer.WriteKey(key);
            writer.WriteByteString(raw.Span);
            return;
        }

        if (count == 0)
        {
            return;
        }

        int size = CompactEncoding.NodeSize(family);
        if (count * size > KrpcCodec.MaxItemPayload)
        {
            throw new InvalidOperationException($"{count} nodes do not fit in one KRPC message.");
        }

        Span<byte> buffer = stackalloc byte[KrpcCodec.MaxItemPayload];
        for (int i = 0; i < count; i++)
        {
            var node = nodes[i];
            if (node.EndPoint is null || CompactEncoding.Family(node.EndPoint) != family)
            {
                throw new InvalidOperationException(family == AddressFamily.InterNetwork
                    ? "'nodes' holds only IPv4 nodes; put IPv6 nodes in 'nodes6'."
                    : "'nodes6' holds only IPv6 nodes; put IPv4 nodes in 'nodes'.");
            }

            CompactEncoding.WriteNode(node, buffer[(i * size)..]);
        }

        writer.WriteKey(key);
        writer.WriteByteString(buffer[..(count * size)]);
    }

    /// <summary>Size of the compact form of a peer endpoint.</summary>
    public static int PeerSize(IPEndPoint endPoint) => CompactEncoding.PeerSize(CompactEncoding.Family(endPoint));

    /// <summary>Reads a BEP 42 <c>ip</c> value; null unless it is 6 or 18 bytes.</summary>
    public static IPEndPoint? ReadRequester(ReadOnlySpan<byte> compact) =>
        compact.Length is CompactEncoding.PeerSizeV4 or CompactEncoding.PeerSizeV6 ? CompactEncoding.ReadPeer(compact) : null;

    /// <summary>
    /// How many of <paramref name="count"/> nodes fit in <paramref name="available"/> bytes with
    /// their key (all of them, or the raw string, when <paramref name="raw"/> is set: it is not cut).
    /// </summary>
    public static int FitNodes(ReadOnlySpan<byte> key, int count, ReadOnlyMemory<byte> raw, AddressFamily family, int available)
    {
        if (!raw.IsEmpty)
        {
            return count;
        }

        int size = CompactEncoding.NodeSize(family);
        int n = Math.Min(count, Math.Max(0, available) / size);
        while (n > 0 && NodesSize(key, n, raw, family) > available)
        {
            n--;
        }

        return n;
    }

    /// <summary>Writes an already-bencoded value; a non-canonical one is a programming error.</summary>
    public static void WriteEncodedValue(ref BencodeWriter writer, ReadOnlySpan<byte> encoded)
    {
        try
        {
            writer.WriteEncodedValue(encoded);
        }
        catch (BencodeException e)
        {
            throw new InvalidOperationException("A BEP 44 value must be one canonical bencoded value.", e);
        }
    }
}
