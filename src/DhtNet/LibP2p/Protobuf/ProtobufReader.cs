using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p.Protobuf;

/// <summary>The protobuf wire types a libp2p message can carry.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// Reads protobuf fields from a span without allocating: the small libp2p messages (Noise handshake
/// payload, identify) are decoded field by field, unknown fields skipped. Every malformed input throws
/// <see cref="LibP2pFormatException"/>; nothing is read past the span.
/// </summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> source)
{
    private readonly ReadOnlySpan<byte> _source = source;
    private int _offset;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        if (_offset == _source.Length)
        {
            fieldNumber = 0;
            wireType = default;
            return false;
        }

        ulong tag = ReadVarint();
        ulong field = tag >> 3;
        if (field is 0 or > 536_870_911)
        {
            throw new LibP2pFormatException($"protobuf: field number {field} is out of range.");
        }

        wireType = (WireType)(tag & 7);
        if (wireType is not (WireType.Varint or WireType.Fixed64 or WireType.LengthDelimited or WireType.Fixed32))
        {
            throw new LibP2pFormatException($"protobuf: wire type {(int)wireType} is not supported.");
        }

        fieldNumber = (int)field;
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = Varint.Read(_source[_offset..], out int consumed);
        _offset += consumed;
        return value;
    }

    /// <summary>A length-delimited field's bytes (a slice of the source).</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_source.Length - _offset))
        {
            throw new LibP2pFormatException($"protobuf: a field of {length} bytes runs past the end of the message.");
        }

        var bytes = _source.Slice(_offset, (int)length);
        _offset += (int)length;
        return bytes;
    }

    /// <summary>Skips a field of <paramref name="wireType"/> (an unknown field).</summary>
    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.LengthDelimited:
                ReadBytes();
                break;
            default:
                int size = wireType == WireType.Fixed64 ? 8 : 4;
                if (_source.Length - _offset < size)
                {
                    throw new LibP2pFormatException("protobuf: a fixed-size field runs past the end of the message.");
                }

                _offset += size;
                break;
        }
    }

    /// <summary>Throws unless <paramref name="actual"/> is <paramref name="expected"/> (a known field with the wrong type).</summary>
    public static void Expect(WireType actual, WireType expected, int fieldNumber)
    {
        if (actual != expected)
        {
            throw new LibP2pFormatException($"protobuf: field {fieldNumber} has wire type {(int)actual}, expected {(int)expected}.");
        }
    }
}
