using System.Buffers.Binary;

namespace DhtNet.LibP2p.Yamux;

/// <summary>The four yamux frame types.</summary>
internal enum YamuxFrameType : byte
{
    Data = 0,
    WindowUpdate = 1,
    Ping = 2,
    GoAway = 3,
}

/// <summary>yamux frame flags; SYN, ACK, FIN and RST travel on data and window-update frames, SYN and ACK on pings.</summary>
[Flags]
internal enum YamuxFlags : ushort
{
    None = 0,
    Syn = 1,
    Ack = 2,
    Fin = 4,
    Rst = 8,
}

/// <summary>The GoAway error codes.</summary>
internal enum YamuxGoAwayCode : uint
{
    Normal = 0,
    ProtocolError = 1,
    InternalError = 2,
}

/// <summary>
/// The 12-byte yamux header: version 0, type, flags, stream id and length, big-endian. For data frames
/// the length counts the payload that follows; for the other types it is the value itself.
/// </summary>
internal readonly record struct YamuxHeader(YamuxFrameType Type, YamuxFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;

    public void Write(Span<byte> destination)
    {
        destination[0] = 0;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }

    /// <summary>Decodes a header; throws <see cref="LibP2pProtocolException"/> for an unknown version, type or flag.</summary>
    public static YamuxHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new LibP2pProtocolException("yamux: a header is 12 bytes.");
        }

        if (source[0] != 0)
        {
            throw new LibP2pProtocolException($"yamux: unknown version {source[0]}.");
        }

        if (source[1] > (byte)YamuxFrameType.GoAway)
        {
            throw new LibP2pProtocolException($"yamux: unknown frame type {source[1]}.");
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if ((flags & ~0xF) != 0)
        {
            throw new LibP2pProtocolException($"yamux: unknown flags 0x{flags:x}.");
        }

        return new YamuxHeader(
            (YamuxFrameType)source[1],
            (YamuxFlags)flags,
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
    }
}
