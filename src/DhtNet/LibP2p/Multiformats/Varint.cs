using System.Buffers;

namespace DhtNet.LibP2p.Multiformats;

/// <summary>
/// The multiformats unsigned varint: LEB128 without sign, at most 9 bytes (63 bits), and minimally
/// encoded (a final 0x00 byte is accepted only for the value 0), so every value has one encoding.
/// </summary>
public static class Varint
{
    /// <summary>The practical maximum length the unsigned-varint spec imposes for security.</summary>
    public const int MaxLength = 9;

    /// <summary>The largest value that fits in <see cref="MaxLength"/> bytes (2^63 - 1).</summary>
    public const ulong MaxValue = long.MaxValue;

    /// <summary>The number of bytes <paramref name="value"/> takes.</summary>
    public static int GetLength(ulong value)
    {
        ThrowIfTooLarge(value);
        // Each byte carries 7 bits; 0 still takes one byte.
        return value == 0 ? 1 : ((64 - System.Numerics.BitOperations.LeadingZeroCount(value)) + 6) / 7;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/> and returns the bytes written.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value exceeds <see cref="MaxValue"/>.</exception>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    public static int Write(Span<byte> destination, ulong value)
    {
        var length = GetLength(value);
        if (destination.Length < length)
        {
            throw new ArgumentException($"A varint of {value} needs {length} bytes; the destination has {destination.Length}.", nameof(destination));
        }

        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ulong value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var written = Write(writer.GetSpan(MaxLength), value);
        writer.Advance(written);
    }

    /// <summary>
    /// Reads a varint from the start of <paramref name="source"/>. False when the bytes are not a
    /// complete, valid varint (use <see cref="Decode"/> to tell "need more" from "invalid").
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int bytesConsumed) =>
        Decode(source, out value, out bytesConsumed) == OperationStatus.Done;

    /// <summary>
    /// Reads a varint from the start of <paramref name="source"/>: <see cref="OperationStatus.Done"/>,
    /// <see cref="OperationStatus.NeedMoreData"/> when every byte so far says "more follows" and fewer
    /// than <see cref="MaxLength"/> arrived, or <see cref="OperationStatus.InvalidData"/> for a varint
    /// that is too long or not minimally encoded. Stream framing uses this to wait for more bytes.
    /// </summary>
    public static OperationStatus Decode(ReadOnlySpan<byte> source, out ulong value, out int bytesConsumed)
    {
        ulong result = 0;
        value = 0;
        bytesConsumed = 0;
        var limit = Math.Min(source.Length, MaxLength);
        for (var i = 0; i < limit; i++)
        {
            ulong b = source[i];
            if (b < 0x80)
            {
                if (b == 0 && i > 0)
                {
                    return OperationStatus.InvalidData; // 0x80 0x00 and the like: the value had a shorter encoding.
                }

                value = result | (b << (7 * i));
                bytesConsumed = i + 1;
                return OperationStatus.Done;
            }

            result |= (b & 0x7F) << (7 * i);
        }

        // Every byte so far said "more follows": wait for more unless the 9-byte limit is reached.
        return limit < MaxLength ? OperationStatus.NeedMoreData : OperationStatus.InvalidData;
    }

    /// <summary>Reads a varint from the start of <paramref name="source"/>, which must hold all of it.</summary>
    /// <exception cref="LibP2pFormatException">The bytes end early, run past 9 bytes or are not minimal.</exception>
    public static ulong Read(ReadOnlySpan<byte> source, out int bytesConsumed)
    {
        switch (Decode(source, out var value, out bytesConsumed))
        {
            case OperationStatus.Done:
                return value;
            case OperationStatus.NeedMoreData:
                throw new LibP2pFormatException("The varint is truncated.");
            default:
                throw new LibP2pFormatException("The varint is longer than 9 bytes or not minimally encoded.");
        }
    }

    /// <summary>Reads a varint that must fit in an <see cref="int"/> no larger than <paramref name="max"/> (lengths, codes).</summary>
    internal static int ReadInt32(ReadOnlySpan<byte> source, int max, string what, out int bytesConsumed)
    {
        var value = Read(source, out bytesConsumed);
        if (value > (ulong)max)
        {
            throw new LibP2pFormatException($"The {what} {value} is larger than the limit {max}.");
        }

        return (int)value;
    }

    private static void ThrowIfTooLarge(ulong value)
    {
        if (value > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A multiformats varint holds at most 63 bits.");
        }
    }
}
