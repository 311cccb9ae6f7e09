using DhtNet.LibP2p.Multiformats;

namespace DhtNet.LibP2p.Transport;

/// <summary>
/// Unsigned varints (multiformats rules) read from a <see cref="Stream"/> without reading past them: the
/// length prefixes of multistream-select lines and of length-delimited protobuf messages.
/// </summary>
internal static class StreamVarint
{
    /// <summary>
    /// Reads one varint a byte at a time so that nothing after it is consumed; null at a clean end of
    /// stream before the first byte. Throws <see cref="LibP2pProtocolException"/> for a varint that is
    /// not minimal, too long, above <paramref name="max"/> or cut by the end of the stream.
    /// </summary>
    public static async ValueTask<ulong?> ReadAsync(Stream stream, ulong max, CancellationToken cancellationToken)
    {
        byte[] one = new byte[1];
        ulong value = 0;
        for (int i = 0; i < Varint.MaxLength; i++)
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
}
