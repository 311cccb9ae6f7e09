using DhtNet.LibP2p.Multiformats;
using DhtNet.LibP2p.Transport;

namespace DhtNet.LibP2p.Identify;

/// <summary>identify and identify push: one varint-length-prefixed <see cref="IdentifyMessage"/> per stream.</summary>
public static class IdentifyProtocol
{
    /// <summary>Ask a peer who it is: it answers with one message and closes.</summary>
    public const string Id = "/ipfs/id/1.0.0";

    /// <summary>Tell a peer what changed: we send one message and close.</summary>
    public const string PushId = "/ipfs/id/push/1.0.0";

    /// <summary>Writes <paramref name="message"/> length-prefixed.</summary>
    public static async Task WriteAsync(Stream stream, IdentifyMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(message);
        byte[] body = message.Encode();
        byte[] framed = new byte[Varint.GetLength((ulong)body.Length) + body.Length];
        int prefix = Varint.Write(framed, (ulong)body.Length);
        body.CopyTo(framed.AsSpan(prefix));
        await stream.WriteAsync(framed, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one message; <see cref="LibP2pProtocolException"/> when it is missing, oversized or malformed.</summary>
    public static async Task<IdentifyMessage> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong length = await StreamVarint.ReadAsync(stream, IdentifyMessage.MaxLength, cancellationToken).ConfigureAwait(false)
            ?? throw new LibP2pProtocolException("identify: the peer closed the stream without a message.");
        byte[] body = new byte[(int)length];
        try
        {
            await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            return IdentifyMessage.Decode(body);
        }
        catch (EndOfStreamException e)
        {
            throw new LibP2pProtocolException("identify: the stream ended inside the message.", e);
        }
        catch (LibP2pFormatException e)
        {
            throw new LibP2pProtocolException($"identify: {e.Message}", e);
        }
    }
}
