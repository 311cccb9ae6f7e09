using System.Buffers;
using System.Text;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.Ipfs.Messages;

/// <summary>
/// The kad-dht wire format, written by hand over spans (protobuf fields of <c>kad-dht.proto</c>,
/// each message prefixed with its length as an unsigned varint). Decoding takes anything a peer
/// sends and throws only <see cref="LibP2pFormatException"/>; every count it allocates for is bounded.
/// </summary>
public static class KadMessageCodec
{
    /// <summary>The largest message body accepted or written: 4 MiB, go-libp2p's <c>network.MessageSizeMax</c> that go-libp2p-kad-dht reads with.</summary>
    public const int MaxMessageSize = 4 << 20;

    /// <summary>
    /// Peers per list (closer or provider). Replies carry k = 20 closer peers and rarely more than a
    /// few hundred providers; the bound keeps a 4 MiB message of empty entries from becoming
    /// millions of objects.
    /// </summary>
    public const int MaxPeersPerList = 2_000;

    /// <summary>Addresses over all peer entries of a message, for the same reason as <see cref="MaxPeersPerList"/>.</summary>
    public const int MaxAddressesPerMessage = 32_768;

    private const int FieldType = 1;
    private const int FieldKey = 2;
    private const int FieldRecord = 3;
    private const int FieldCloserPeers = 8;
    private const int FieldProviderPeers = 9;
    private const int FieldClusterLevel = 10;

    private const int RecordFieldKey = 1;
    private const int RecordFieldValue = 2;
    private const int RecordFieldTimeReceived = 5;

    private const int PeerFieldId = 1;
    private const int PeerFieldAddrs = 2;
    private const int PeerFieldConnection = 3;

    /// <summary>Decodes one message body (without its length prefix).</summary>
    /// <exception cref="LibP2pFormatException">Not a kad message, or over a limit of this class.</exception>
    public static KadMessage Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxMessageSize)
        {
            throw new LibP2pFormatException($"The kad message is {body.Length} bytes; the limit is {MaxMessageSize}.");
        }

        var reader = new ProtobufReader(body);
        var type = KadMessageType.PutValue;
        var clusterLevel = 0;
        ReadOnlyMemory<byte> key = default;
        KadRecord? record = null;
        List<KadPeer>? closer = null;
        List<KadPeer>? providers = null;
        var addressBudget = MaxAddressesPerMessage;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case FieldType:
                    // Open enum (proto3): unknown kinds decode and the handler refuses them.
                    type = (KadMessageType)(int)reader.ReadVarint(wireType, "type");
                    break;
                case FieldKey:
                    key = reader.ReadBytes(wireType, "key").ToArray();
                    break;
                case FieldRecord:
                    record = DecodeRecord(reader.ReadBytes(wireType, "record"));
                    break;
                case FieldCloserPeers:
                    AddPeer(ref closer, DecodePeer(reader.ReadBytes(wireType, "closerPeers"), ref addressBudget), "closer");
                    break;
                case FieldProviderPeers:
                    AddPeer(ref providers, DecodePeer(reader.ReadBytes(wireType, "providerPeers"), ref addressBudget), "provider");
                    break;
                case FieldClusterLevel:
                    // int32: negative values arrive sign-extended to 64 bits; truncation is protobuf's rule.
                    clusterLevel = (int)reader.ReadVarint(wireType, "clusterLevelRaw");
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new KadMessage
        {
            Type = type,
            ClusterLevelRaw = clusterLevel,
            Key = key,
            Record = record,
            CloserPeers = closer is null ? [] : closer,
            ProviderPeers = providers is null ? [] : providers,
        };
    }

    /// <summary>Decodes one message body held in a sequence (copied once if it spans segments).</summary>
    /// <exception cref="LibP2pFormatException">As <see cref="Decode(ReadOnlySpan{byte})"/>.</exception>
    public static KadMessage Decode(in ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            return Decode(body.FirstSpan);
        }

        if (body.Length > MaxMessageSize)
        {
            throw new LibP2pFormatException($"The kad message is {body.Length} bytes; the limit is {MaxMessageSize}.");
        }

        var length = (int)body.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            body.CopyTo(rented);
            return Decode(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The size of <paramref name="message"/>'s body, without the length prefix.</summary>
    public static int GetBodySize(KadMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = 0;
        if (message.Type != KadMessageType.PutValue)
        {
            size += ProtobufWriter.VarintFieldSize(FieldType, (ulong)(long)message.Type);
        }

        if (!message.Key.IsEmpty)
        {
            size += ProtobufWriter.BytesFieldSize(FieldKey, message.Key.Length);
        }

        if (message.Record is { } record)
        {
            size += ProtobufWriter.BytesFieldSize(FieldRecord, RecordSize(record));
        }

        size += PeersSize(FieldCloserPeers, message.CloserPeers) + PeersSize(FieldProviderPeers, message.ProviderPeers);

        if (message.ClusterLevelRaw != 0)
        {
            size += ProtobufWriter.VarintFieldSize(FieldClusterLevel, (ulong)(long)message.ClusterLevelRaw);
        }

        return size;
    }

    /// <summary>The size of the length-prefixed frame <see cref="WriteFrame(KadMessage, Span{byte})"/> writes.</summary>
    public static int GetFrameSize(KadMessage message)
    {
        var body = GetBodySize(message);
        return Varint.GetLength((ulong)body) + body;
    }

    /// <summary>Writes the varint length prefix and the body into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="GetFrameSize"/>, or the body exceeds <see cref="MaxMessageSize"/>.</exception>
    public static int WriteFrame(KadMessage message, Span<byte> destination) => WriteFrame(message, GetBodySize(message), destination);

    /// <summary>Writes the length-prefixed frame to <paramref name="writer"/> (a pipe, or a pooled buffer writer).</summary>
    public static void WriteFrame(KadMessage message, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var body = GetBodySize(message);
        var written = WriteFrame(message, body, writer.GetSpan(Varint.GetLength((ulong)body) + body));
        writer.Advance(written);
    }

    /// <summary>The frame in a buffer rented from the shared pool; dispose the result to return it.</summary>
    public static KadFrame EncodeFrame(KadMessage message)
    {
        var body = GetBodySize(message);
        var buffer = ArrayPool<byte>.Shared.Rent(Varint.GetLength((ulong)body) + body);
        try
        {
            var written = WriteFrame(message, body, buffer);
            return new KadFrame(buffer, written);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static int WriteFrame(KadMessage message, int body, Span<byte> destination)
    {
        if (body > MaxMessageSize)
        {
            throw new ArgumentException($"The message body is {body} bytes; peers accept at most {MaxMessageSize}.", nameof(message));
        }

        var prefix = Varint.GetLength((ulong)body);
        if (destination.Length < prefix + body)
        {
            throw new ArgumentException($"The frame needs {prefix + body} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        var n = ProtobufWriter.WriteVarint(destination, (ulong)body);
        n += WriteBody(message, destination[n..]);
        return n;
    }

    private static int WriteBody(KadMessage message, Span<byte> destination)
    {
        var n = 0;
        if (message.Type != KadMessageType.PutValue)
        {
            n += ProtobufWriter.WriteVarintField(destination[n..], FieldType, (ulong)(long)message.Type);
        }

        if (!message.Key.IsEmpty)
        {
            n += ProtobufWriter.WriteBytesField(destination[n..], FieldKey, message.Key.Span);
        }

        if (message.Record is { } record)
        {
            n += ProtobufWriter.WriteLengthPrefix(destination[n..], FieldRecord, RecordSize(record));
            n += WriteRecord(record, destination[n..]);
        }

        // Indexed loops: foreach over an IReadOnlyList boxes an enumerator per list.
        for (var i = 0; i < message.CloserPeers.Count; i++)
        {
            n += WritePeer(FieldCloserPeers, message.CloserPeers[i], destination[n..]);
        }

        for (var i = 0; i < message.ProviderPeers.Count; i++)
        {
            n += WritePeer(FieldProviderPeers, message.ProviderPeers[i], destination[n..]);
        }

        if (message.ClusterLevelRaw != 0)
        {
            n += ProtobufWriter.WriteVarintField(destination[n..], FieldClusterLevel, (ulong)(long)message.ClusterLevelRaw);
        }

        return n;
    }

    private static int RecordSize(KadRecord record)
    {
        var size = 0;
        if (!record.Key.IsEmpty)
        {
            size += ProtobufWriter.BytesFieldSize(RecordFieldKey, record.Key.Length);
        }

        if (!record.Value.IsEmpty)
        {
            size += ProtobufWriter.BytesFieldSize(RecordFieldValue, record.Value.Length);
        }

        if (record.TimeReceived.Length != 0)
        {
            size += ProtobufWriter.BytesFieldSize(RecordFieldTimeReceived, Encoding.UTF8.GetByteCount(record.TimeReceived));
        }

        return size;
    }

    private static int WriteRecord(KadRecord record, Span<byte> destination)
    {
        var n = 0;
        if (!record.Key.IsEmpty)
        {
            n += ProtobufWriter.WriteBytesField(destination, RecordFieldKey, record.Key.Span);
        }

        if (!record.Value.IsEmpty)
        {
            n += ProtobufWriter.WriteBytesField(destination[n..], RecordFieldValue, record.Value.Span);
        }

        if (record.TimeReceived.Length != 0)
        {
            n += ProtobufWriter.WriteLengthPrefix(destination[n..], RecordFieldTimeReceived, Encoding.UTF8.GetByteCount(record.TimeReceived));
            n += Encoding.UTF8.GetBytes(record.TimeReceived, destination[n..]);
        }

        return n;
    }

    private static int PeersSize(int field, IReadOnlyList<KadPeer> peers)
    {
        var size = 0;
        for (var i = 0; i < peers.Count; i++)
        {
            size += ProtobufWriter.BytesFieldSize(field, PeerSize(peers[i]));
        }

        return size;
    }

    private static int PeerSize(KadPeer peer)
    {
        var size = 0;
        if (!peer.Id.IsEmpty)
        {
            size += ProtobufWriter.BytesFieldSize(PeerFieldId, peer.Id.Length);
        }

        for (var i = 0; i < peer.Addrs.Count; i++)
        {
            size += ProtobufWriter.BytesFieldSize(PeerFieldAddrs, peer.Addrs[i].Length);
        }

        if (peer.Connection != KadConnectionType.NotConnected)
        {
            size += ProtobufWriter.VarintFieldSize(PeerFieldConnection, (ulong)(long)peer.Connection);
        }

        return size;
    }

    private static int WritePeer(int field, KadPeer peer, Span<byte> destination)
    {
        var n = ProtobufWriter.WriteLengthPrefix(destination, field, PeerSize(peer));
        if (!peer.Id.IsEmpty)
        {
            n += ProtobufWriter.WriteBytesField(destination[n..], PeerFieldId, peer.Id.Span);
        }

        for (var i = 0; i < peer.Addrs.Count; i++)
        {
            n += ProtobufWriter.WriteBytesField(destination[n..], PeerFieldAddrs, peer.Addrs[i].Span);
        }

        if (peer.Connection != KadConnectionType.NotConnected)
        {
            n += ProtobufWriter.WriteVarintField(destination[n..], PeerFieldConnection, (ulong)(long)peer.Connection);
        }

        return n;
    }

    private static KadRecord DecodeRecord(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtobufReader(bytes);
        ReadOnlyMemory<byte> key = default;
        ReadOnlyMemory<byte> value = default;
        var timeReceived = string.Empty;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case RecordFieldKey:
                    key = reader.ReadBytes(wireType, "record key").ToArray();
                    break;
                case RecordFieldValue:
                    value = reader.ReadBytes(wireType, "record value").ToArray();
                    break;
                case RecordFieldTimeReceived:
                    timeReceived = DecodeUtf8(reader.ReadBytes(wireType, "record timeReceived"));
                    break;
                default:
                    // author (3) and signature (4) were removed from the protocol; old peers may still send them.
                    reader.Skip(wireType);
                    break;
            }
        }

        return new KadRecord(key, value, timeReceived);
    }

    private static KadPeer DecodePeer(ReadOnlySpan<byte> bytes, ref int addressBudget)
    {
        var reader = new ProtobufReader(bytes);
        ReadOnlyMemory<byte> id = default;
        List<ReadOnlyMemory<byte>>? addrs = null;
        var connection = KadConnectionType.NotConnected;
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field)
            {
                case PeerFieldId:
                    id = reader.ReadBytes(wireType, "peer id").ToArray();
                    break;
                case PeerFieldAddrs:
                    if (--addressBudget < 0)
                    {
                        throw new LibP2pFormatException($"The kad message carries more than {MaxAddressesPerMessage} addresses.");
                    }

                    (addrs ??= []).Add(reader.ReadBytes(wireType, "peer addrs").ToArray());
                    break;
                case PeerFieldConnection:
                    connection = (KadConnectionType)(int)reader.ReadVarint(wireType, "peer connection");
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new KadPeer(id, addrs is null ? [] : addrs, connection);
    }

    private static void AddPeer(ref List<KadPeer>? list, KadPeer peer, string what)
    {
        list ??= [];
        if (list.Count == MaxPeersPerList)
        {
            throw new LibP2pFormatException($"The kad message carries more than {MaxPeersPerList} {what} peers.");
        }

        list.Add(peer);
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new LibP2pFormatException("The record's timeReceived is not UTF-8.", e);
        }
    }
}
