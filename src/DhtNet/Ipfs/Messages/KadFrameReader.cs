using System.Buffers;
using DhtNet.LibP2p;
using DhtNet.LibP2p.Multiformats;

namespace DhtNet.Ipfs.Messages;

/// <summary>
/// Cuts varint-length-prefixed kad messages out of a stream's bytes as they arrive, resumable in
/// the <c>PipeReader</c> way: call <see cref="TryReadMessage"/> with everything buffered, and it
/// consumes one whole frame or nothing. A length over the limit fails at the prefix, before any
/// of the body is buffered.
/// </summary>
public static class KadFrameReader
{
    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/> and advances it past the frame;
    /// false, with <paramref name="buffer"/> unchanged, while the frame is incomplete.
    /// </summary>
    /// <param name="buffer">The bytes received and not yet consumed.</param>
    /// <param name="message">The decoded message.</param>
    /// <param name="maxMessageSize">The largest body accepted; at most <see cref="KadMessageCodec.MaxMessageSize"/>.</param>
    /// <exception cref="LibP2pFormatException">The prefix is not a varint, declares more than the limit, or the body is not a kad message: reset the stream.</exception>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KadMessage? message, int maxMessageSize = KadMessageCodec.MaxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageSize, KadMessageCodec.MaxMessageSize);
        message = null;
        Span<byte> prefix = stackalloc byte[Varint.MaxLength];
        var available = (int)Math.Min(buffer.Length, Varint.MaxLength);
        buffer.Slice(0, available).CopyTo(prefix);
        switch (Varint.Decode(prefix[..available], out var length, out var prefixLength))
        {
            case OperationStatus.NeedMoreData:
                return false;
            case OperationStatus.InvalidData:
                throw new LibP2pFormatException("The kad frame's length prefix is not a minimal unsigned varint.");
        }

        if (length > (ulong)maxMessageSize)
        {
            throw new LibP2pFormatException($"The kad frame declares {length} bytes; the limit is {maxMessageSize}.");
        }

        if (buffer.Length - prefixLength < (long)length)
        {
            return false;
        }

        var body = buffer.Slice(prefixLength, (long)length);
        message = KadMessageCodec.Decode(body);
        buffer = buffer.Slice(body.End);
        return true;
    }
}
