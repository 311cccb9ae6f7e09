namespace DhtNet.LibP2p.Multistream;

/// <summary>
/// Unsigned varints (multiformats rules) read from and written to a <see cref="Stream"/>, for the
/// length prefixes of multistream-select lines and of length-delimited protobuf messages.
/// </summary>
internal static class StreamVarint
{
    /// <summary>The longest varint a length prefix may use here (values below 2^63).</summary>
    public const int MaxLength = 9;

    /// <summary>
    /// Reads one varint a byte at a time so that nothing after it is consumed; null at a clean end of
    /// stream before the first byte. Throws <see cref="LibP2pProtocolException"/> for a varint that is
    /// not minimal, too long, above <paramref name="max"/> or cut by the end of the stream.
    /// </summary>
    public static async ValueTask<ulong?> ReadAsync(Stream stream, ulong max, CancellationToken cancellationToken)
    {
        byte[] one = new byte[1];
        ulong value = 0;
        for (int i = 0; i < MaxLength; i++)
        {
            int read = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return i == 0 ? null : throw new LibP2pProtocolException("The stream ended inside a varint.");
            }

            byte b = one[0];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new LibP2pProtocolException("A varint is not minimally encoded.");
                }

                return value <= max ? value : throw new LibP2pProtocolException($"A length prefix of {value} exceeds the limit of {max}.");
            }
        }

        throw new LibP2pProtocolException("A varint is longer than 9 bytes.");
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>How many bytes <see cref="Write"/> takes for <paramref name="value"/>.</summary>
    public static int SizeOf(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }
}
