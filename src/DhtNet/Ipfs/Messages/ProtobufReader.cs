using DhtNet.LibP2p;

namespace DhtNet.Ipfs.Messages;

/// <summary>
/// Reads protobuf wire format from a span: tags, varints (up to the 10 bytes a negative int32
/// takes), length-delimited fields, and skips fields it does not know. Every malformation throws
/// <see cref="LibP2pFormatException"/>; no read runs past the span.
/// </summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> source)
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly ReadOnlySpan<byte> _source = source;
    private int _position;

    public readonly bool End => _position >= _source.Length;

    /// <summary>The next field's number and wire type; false at the end of the message.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (End)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var tag = ReadVarint();
        wireType = (int)(tag & 7);
        var number = tag >> 3;
        if (number is 0 or > 0x1FFF_FFFF)
        {
            throw new LibP2pFormatException($"The protobuf field number {number} is out of range.");
        }

        if (wireType is not (WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32))
        {
            // Groups (3, 4) are long deprecated and 6, 7 do not exist.
            throw new LibP2pFormatException($"The protobuf wire type {wireType} is not supported.");
        }

        field = (int)number;
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var i = 0; i < 10; i++)
        {
            if (_position >= _source.Length)
            {
                throw new LibP2pFormatException("The protobuf varint is truncated.");
            }

            ulong b = _source[_position++];
            if (i == 9 && b > 1)
            {
                throw new LibP2pFormatException("The protobuf varint overflows 64 bits.");
            }

            result |= (b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new LibP2pFormatException("The protobuf varint is longer than 10 bytes.");
    }

    /// <summary>A varint field that must be an enum or count no larger than <paramref name="max"/>.</summary>
    public ulong ReadVarint(ulong max, string what)
    {
        var value = ReadVarint();
        if (value > max)
        {
            throw new LibP2pFormatException($"The {what} {value} is larger than {max}.");
        }

        return value;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_source.Length - _position))
        {
            throw new LibP2pFormatException($"The protobuf field declares {length} bytes; {_source.Length - _position} remain.");
        }

        var value = _source.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>A length-delimited field that the reader's caller expects (checks the wire type first).</summary>
    public ReadOnlySpan<byte> ReadBytes(int wireType, string what)
    {
        Expect(wireType, WireLengthDelimited, what);
        return ReadLengthDelimited();
    }

    /// <summary>A varint field that the caller expects (checks the wire type first).</summary>
    public ulong ReadVarint(int wireType, string what)
    {
        Expect(wireType, WireVarint, what);
        return ReadVarint();
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireLengthDelimited:
                ReadLengthDelimited();
                break;
            default:
                var size = wireType == WireFixed64 ? 8 : 4;
                if (_source.Length - _position < size)
                {
                    throw new LibP2pFormatException("The protobuf fixed-width field is truncated.");
                }

                _position += size;
                break;
        }
    }

    private static void Expect(int actual, int expected, string what)
    {
        if (actual != expected)
        {
            throw new LibP2pFormatException($"The {what} field has wire type {actual}, not {expected}.");
        }
    }
}

/// <summary>Writes protobuf wire format into a span the caller sized with the matching Size methods.</summary>
internal static class ProtobufWriter
{
    public static int VarintSize(ulong value) => value < 0x80 ? 1 : (64 - System.Numerics.BitOperations.LeadingZeroCount(value) + 6) / 7;

    public static int TagSize(int field) => VarintSize((ulong)field << 3);

    /// <summary>The size of a length-delimited field of <paramref name="length"/> bytes, tag included.</summary>
    public static int BytesFieldSize(int field, int length) => TagSize(field) + VarintSize((ulong)length) + length;

    public static int VarintFieldSize(int field, ulong value) => TagSize(field) + VarintSize(value);

    /// <summary>
    /// A protobuf varint of all 64 bits. Not <see cref="LibP2p.Multiformats.Varint.Write(Span{byte}, ulong)"/>: multiformats
    /// varints stop at 63 bits, and protobuf writes a negative int32 as ten bytes.
    /// </summary>
    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static int WriteTag(Span<byte> destination, int field, int wireType) => WriteVarint(destination, ((ulong)field << 3) | (uint)wireType);

    public static int WriteVarintField(Span<byte> destination, int field, ulong value)
    {
        var n = WriteTag(destination, field, ProtobufReader.WireVarint);
        return n + WriteVarint(destination[n..], value);
    }

    public static int WriteBytesField(Span<byte> destination, int field, ReadOnlySpan<byte> value)
    {
        var n = WriteLengthPrefix(destination, field, value.Length);
        value.CopyTo(destination[n..]);
        return n + value.Length;
    }

    /// <summary>The tag and length of an embedded message whose body the caller writes next.</summary>
    public static int WriteLengthPrefix(Span<byte> destination, int field, int length)
    {
        var n = WriteTag(destination, field, ProtobufReader.WireLengthDelimited);
        return n + WriteVarint(destination[n..], (ulong)length);
    }
}
